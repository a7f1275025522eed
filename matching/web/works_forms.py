"""Forms of the draft, works and oversight pages. As in forms.py they check the shape of what
was typed; the services decide, and their refusals land back on these forms."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy as _

from ..models import CommitteeRole, SignOff
from ..services.works import MAX_PHOTOS
from .fields import AmountField
from .forms import DateInput, ProjectForm

HUNDRED = Decimal("100")


class ProjectEditForm(ProjectForm):
    """The new-project form less the association: a draft's pledges and receipts are the
    association's, so it stays."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["association"]


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Kept on record with the withdrawn draft."))


def percent_field(label, *, allow_zero: bool, **kwargs) -> AmountField:
    return AmountField(label=label, places=2, allow_zero=allow_zero, **kwargs)


def _at_most_100(value):
    if value is not None and value > HUNDRED:
        raise forms.ValidationError(_("Give a per cent from 0 to 100."), code="max_value")
    return value


class MilestoneForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Milestone"), max_length=200)
    planned_on = forms.DateField(label=_("Planned date"), widget=DateInput())
    share = percent_field(_("Share of the works (%)"), allow_zero=False)

    def clean_share(self):
        return _at_most_100(self.cleaned_data.get("share"))


# the shares' total is checked by services.works.milestones_set, whose refusal the page shows
MilestoneFormSet = forms.formset_factory(MilestoneForm, extra=2, can_delete=True, max_num=30,
                                         validate_max=True)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files from one input (the phone's gallery)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ProgressReportForm(forms.Form):
    reported_on = forms.DateField(label=_("Date of the report"), widget=DateInput())
    text = forms.CharField(label=_("How the works are going"),
                           widget=forms.Textarea(attrs={"rows": 5}))
    photos = PhotosField(label=_("Photos"), required=False)

    def __init__(self, *args, milestones, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reported_on"].initial = timezone.localdate()
        self.fields["photos"].help_text = gettext(
            "JPEG, PNG or WebP, up to %(n)s. Their capture date and place are read from the "
            "files and never published.") % {"n": MAX_PHOTOS}
        self.milestones = milestones
        for milestone in milestones:
            self.fields[f"milestone_{milestone.pk}"] = percent_field(
                milestone.title, allow_zero=True, initial=milestone.progress,
                help_text=_("Per cent done, 0 to 100."))

    def milestone_fields(self):
        return [self[f"milestone_{m.pk}"] for m in self.milestones]

    def clean(self):
        data = super().clean()
        for milestone in self.milestones:
            name = f"milestone_{milestone.pk}"
            if data.get(name) is not None and data[name] > HUNDRED:
                self.add_error(name, _("Give a per cent from 0 to 100."))
        return data

    def progress(self) -> dict[int, Decimal]:
        return {m.pk: self.cleaned_data[f"milestone_{m.pk}"] for m in self.milestones
                if self.cleaned_data.get(f"milestone_{m.pk}") is not None}


class MemberForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200,
                                help_text=_("Never published."))
    contact = forms.CharField(label=_("Contact"), max_length=200, required=False,
                              help_text=_("Phone or address; never published."))
    role = forms.ChoiceField(label=_("Role in the committee"), choices=CommitteeRole.choices,
                             initial=CommitteeRole.MEMBER)


class SignOffForm(forms.Form):
    decision = forms.ChoiceField(label=_("Handover act"), choices=SignOff.choices,
                                 widget=forms.RadioSelect)
    on = forms.DateField(label=_("Date"), widget=DateInput())
    findings = forms.CharField(label=_("Findings"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("What the member found when checking the works; "
                                           "published without the name. Required with a "
                                           "refusal."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class CompleteForm(forms.Form):
    handover_act = forms.FileField(label=_("Signed handover act"), required=False,
                                   help_text=_("PDF, JPEG, PNG or WebP. Not needed if it is "
                                               "already among the evidence."))
    reason = forms.CharField(label=_("Note"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Published in the project's timeline."))
