"""Forms of the associations' own pages: the application for registration (and its renewal)
with its board, and the proposal of a project."""

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..models import MIN_MEMBERS, Category, District
from .fields import AmountField
from .placepick import PlaceChoiceField, add_mahalla_picker

# where the associations' members work (ISO 3166-1); the host country of an association
HOST_COUNTRIES = [
    ("RU", _("Russia")), ("KZ", _("Kazakhstan")), ("TR", _("Türkiye")),
    ("KR", _("South Korea")), ("AE", _("United Arab Emirates")), ("US", _("United States")),
    ("DE", _("Germany")), ("GB", _("United Kingdom")), ("PL", _("Poland")),
    ("CZ", _("Czechia")), ("LT", _("Lithuania")), ("JP", _("Japan")),
]


class ApplicationForm(forms.Form):
    name = forms.CharField(label=_("Name of the association"), max_length=200)
    host_country = forms.ChoiceField(label=_("Host country"), choices=HOST_COUNTRIES)
    host_city = forms.CharField(label=_("Host city"), max_length=100)
    member_count = forms.IntegerField(
        label=_("Adult members"), min_value=1, max_value=1_000_000,
        help_text=lazy(lambda: gettext("At least %(min)s adult members.") % {"min": MIN_MEMBERS},
                       str)())
    statutes = forms.FileField(label=_("Statutes"),
                               help_text=_("PDF, JPEG, PNG or WebP: the signed statutes."))
    contact_name = forms.CharField(label=_("Contact person"), max_length=200)
    email = forms.EmailField(label=_("E-mail"),
                             help_text=_("The decision is sent here; after approval, the "
                                         "invitation to log in too."))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def __init__(self, *args, selected=(), **kwargs):
        super().__init__(*args, **kwargs)
        add_mahalla_picker(self, field="home_mahallas", districts=District.objects.all(),
                           selected=selected)
        self.fields["home_mahallas"].help_text = _(
            "The mahallas the members come from: projects may be proposed there.")

    def clean_member_count(self):
        count = self.cleaned_data["member_count"]
        if count < MIN_MEMBERS:
            raise forms.ValidationError(_("An association needs at least %(min)s adult "
                                          "members.") % {"min": MIN_MEMBERS})
        return count


class BoardMemberForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    position = forms.CharField(label=_("Position"), max_length=100, required=False,
                               help_text=_("e.g. Chair, Treasurer"))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)

    def clean(self):
        data = super().clean()
        if any(data.values()) and not (data.get("full_name") and data.get("position")):
            raise forms.ValidationError(_("Give the full name and position of each board "
                                          "member."))
        return data


BoardFormSet = forms.formset_factory(BoardMemberForm, extra=3, max_num=12, validate_max=True)


def board_of(formset) -> list[dict]:
    return [f.cleaned_data for f in formset.forms if f.cleaned_data and any(f.cleaned_data.values())]


class ProposalForm(forms.Form):
    mahalla = PlaceChoiceField(label=_("Mahalla"), queryset=None)
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("What, where, for how many people."))
    cost = AmountField(label=_("Estimated cost"),
                       help_text=_("In the currency of the mahalla's country."))

    def __init__(self, *args, association, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mahalla"].queryset = association.home_mahallas.select_related("district")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
