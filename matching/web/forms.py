"""Forms of the web pages. They check the shape of what was typed; the services decide
whether it may be done, and their refusals are put back on these forms (common.py)."""

from decimal import Decimal

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from .fields import AmountField
from .placepick import PlaceChoiceField
from ..models import (Category, ComplaintCategory, Evidence, EvidenceKind, ExecutorKind,
                      MigrantAssociation, Pledge, PledgeStatus, Scheme)
from ..models.complaints import CONTACT_MAX, TEXT_MAX
from ..services.complaints import ANSWER_MAX

# the currencies migrants raise money in, and the schemes' own
CURRENCIES = ["RUB", "KZT", "USD", "EUR", "UZS", "TJS", "KGS"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def currency_choices(extra: str | None = None):
    codes = CURRENCIES if extra in (None, *CURRENCIES) else [extra, *CURRENCIES]
    return [(code, code) for code in codes]


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    mahalla = PlaceChoiceField(label=_("Mahalla"), queryset=None)
    association = forms.ModelChoiceField(label=_("Migrant association"), queryset=None)
    scheme = forms.ModelChoiceField(label=_("Scheme"), queryset=None)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    cost = AmountField(label=_("Eligible cost"), help_text=_("In the scheme's currency."))
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    executor = forms.CharField(label=_("Executor"), max_length=200, required=False,
                               help_text=_("Who will carry out the works."))
    executor_kind = forms.ChoiceField(label=_("Kind of executor"), choices=ExecutorKind.choices)
    deadline = forms.DateField(label=_("Planned completion"), required=False, widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        mahallas = user.mahallas.select_related("district")
        self.fields["mahalla"].queryset = mahallas
        self.fields["association"].queryset = (
            MigrantAssociation.objects.filter(home_mahallas__in=mahallas).distinct())
        self.fields["scheme"].queryset = Scheme.objects.filter(is_active=True)


class PledgeForm(forms.Form):
    amount = AmountField(label=_("Amount pledged"))
    currency = forms.ChoiceField(label=_("Currency"), help_text=_("The currency it is raised in."))
    expected_on = forms.DateField(label=_("Expected on"), widget=DateInput())

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = currency_choices(project.currency)


class ReceiptForm(forms.Form):
    pledge = forms.ModelChoiceField(label=_("Pledge"), queryset=None, required=False,
                                    empty_label=_("(none)"))
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())
    amount = AmountField(label=_("Amount received"),
                         help_text=_("As it arrived, in its own currency, after the fee."))
    currency = forms.ChoiceField(label=_("Currency"))
    rate = AmountField(label=_("Rate to the scheme currency"), required=False, places=6,
                       help_text=_("Filled in from the stored rate of the day; change it "
                                   "only if the bank used another."))
    fee = AmountField(label=_("Transfer fee"), required=False, allow_zero=True,
                      initial=Decimal("0"), help_text=_("Paid by the senders, same currency."))
    reference = forms.CharField(label=_("Bank or transfer reference"), max_length=60)
    proof = forms.FileField(label=_("Proof"), help_text=_("PDF, JPEG, PNG or WebP: the bank "
                                                          "slip or transfer receipt."))

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pledge"].queryset = Pledge.objects.filter(
            project=project, status=PledgeStatus.ANNOUNCED)
        self.fields["currency"].choices = currency_choices(project.currency)
        self.fields["received_on"].initial = timezone.localdate()

    def clean_fee(self):
        return self.cleaned_data.get("fee") or Decimal("0")


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EvidenceKind.choices)
    file = forms.FileField(label=_("File"), help_text=_("PDF, JPEG, PNG or WebP."))
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    quantity = forms.CharField(label=_("Measured quantity"), max_length=100, required=False,
                               help_text=_("e.g. 1.2 km of pipe, 300 m² of roof"))


class DecisionForm(forms.Form):
    APPROVE, CONDITIONS, DEFER, REJECT = "approve", "conditions", "deferred", "rejected"
    # the form's choice -> the decision (the project status it leads to)
    DECISIONS = {APPROVE: "approved", CONDITIONS: "conditionally_approved", DEFER: "deferred",
                 REJECT: "rejected"}
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect, choices=[
        (APPROVE, _("Approve")), (CONDITIONS, _("Approve with conditions")),
        (DEFER, _("Defer")), (REJECT, _("Reject"))])
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Kept and published with the decision."))
    conditions = forms.CharField(label=_("Conditions"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.CONDITIONS and not (data.get("conditions") or "").strip():
            self.add_error("conditions", _("State the conditions of the approval."))
        return data


class EvidenceChoiceField(forms.ModelChoiceField):
    """Each piece of evidence named as the officer can tell it from the others: its kind,
    description, measured quantity, who uploaded it and when (not "Disbursement evidence (7)"
    twice)."""

    def label_from_instance(self, evidence):
        uploaded = formats.date_format(timezone.localtime(evidence.uploaded_at),
                                       "SHORT_DATE_FORMAT")
        parts = [evidence.get_kind_display(), evidence.description, evidence.quantity,
                 f"{evidence.uploaded_by.get_username()}, {uploaded}"]
        return " · ".join(part for part in parts if part)


class EvidenceChoiceForm(forms.Form):
    """Evidence already uploaded for the project, or a new file (kept only if the action
    goes through: common.with_evidence)."""

    evidence = EvidenceChoiceField(label=_("Evidence already uploaded"), queryset=None,
                                   required=False, empty_label=_("(upload a new file)"))
    file = forms.FileField(label=_("New evidence"), required=False,
                           help_text=_("PDF, JPEG, PNG or WebP."))
    description = forms.CharField(label=_("Description of the new evidence"), max_length=300,
                                  required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = Evidence.objects.filter(project=project) \
            .select_related("uploaded_by").order_by("-uploaded_at")

    def clean(self):
        data = super().clean()
        if not data.get("evidence") and not data.get("file"):
            self.add_error("file", _("Choose evidence already uploaded or upload a new file."))
        return data


class ComplaintForm(forms.Form):
    """A complaint from anyone. `website` is a honeypot (hidden from people, see
    web/abuse.py) and `started` the signed time the form was shown."""

    category = forms.ChoiceField(label=_("What is it about?"), widget=forms.RadioSelect,
                                 choices=ComplaintCategory.choices)
    text = forms.CharField(label=_("What happened"), max_length=TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": 6}),
                           help_text=_("Where, when, what you saw. The officer reads it; it is "
                                       "not published."))
    photo = forms.FileField(label=_("Photo (optional)"), required=False,
                            widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
                            help_text=_("JPEG, PNG or WebP. Seen by the officer only."))
    contact = forms.CharField(label=_("Your phone or e-mail (optional)"), required=False,
                              max_length=CONTACT_MAX,
                              help_text=_("Only if you want the officer to reach you. It is "
                                          "never published."))
    website = forms.CharField(label=_("Leave this field empty"), required=False,
                              widget=forms.TextInput(attrs={"tabindex": "-1",
                                                            "autocomplete": "off"}))
    started = forms.CharField(widget=forms.HiddenInput, required=False)


class ComplaintLookupForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=40,
                           help_text=_("As you received it, e.g. K7MQ-4ZPA-9XDE."))


class ComplaintAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=ANSWER_MAX,
                             widget=forms.Textarea(attrs={"rows": 6}),
                             help_text=_("Published with the complaint's status, for everyone: "
                                         "write no names or contacts."))


class DisbursementForm(EvidenceChoiceForm):
    amount = AmountField(label=_("Amount"), required=False,
                         help_text=_("Leave empty to pay what is left of the tranche."))
    paid_on = forms.DateField(label=_("Paid on"), required=False, widget=DateInput())
    field_order = ["amount", "paid_on", "evidence", "file", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("PDF, JPEG, PNG or WebP: the act or photos of the "
                                          "works paid for.")


class HeldReceiptForm(forms.Form):
    """Confirm a held receipt, or reject it with a reason (the button pressed decides)."""

    reason = forms.CharField(label=_("Reason for rejecting"), required=False,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Required to reject: kept in the audit trail."))
