"""Forms of the officer's (and the clerk's) actions on a project after submission: each
asks for what its service needs, a reason where DOMAIN.md's table of actions asks for one;
the services decide, and their refusals land back on these forms (common.submit)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import policies
from ..models import ExecutorKind
from .fields import AmountField
from .forms import DateInput, EvidenceChoiceForm

REASON_HELP = _("Kept and published with the project.")


def reason_field(*, required=True, label=_("Reason"), help_text=REASON_HELP):
    return forms.CharField(label=label, required=required, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ConfirmForm(forms.Form):
    """Withdraw a pledge or a top-up: the page says what will happen; the button confirms."""


class ReasonForm(forms.Form):
    """Suspend, resume, cancel, refund or reverse a receipt, send a decision back."""

    reason = reason_field()


class NoteForm(forms.Form):
    """Confirm a decision, close a project: a note is welcome, not required."""

    reason = reason_field(required=False, label=_("Note"))


class ConditionsMetForm(EvidenceChoiceForm):
    """The evidence that meets the conditions of the approval, chosen or uploaded."""

    reason = reason_field(label=_("How the conditions are met"))
    field_order = ["reason", "evidence", "file", "description"]


class ClawbackForm(EvidenceChoiceForm):
    amount = AmountField(label=_("Amount recovered"))
    reason = reason_field(help_text=_("What was found: works not executed, quantities "
                                      "inflated. Kept and published."))
    field_order = ["amount", "reason", "evidence", "file", "description"]


class TopUpForm(forms.Form):
    ASSOCIATION = "association"
    funder = forms.ChoiceField(label=_("Who covers it"))
    amount = AmountField(label=_("Amount"), help_text=_("In the scheme currency, at most the "
                                                         "gap left."))
    reason = reason_field(help_text=_("The funder's (or the association's) commitment: a "
                                      "letter, a decision. Kept and published."))

    def __init__(self, *args, user, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.funders = {str(f.pk): f for f in
                        policies.top_up_funders(user, project.scheme).order_by("name")}
        self.fields["funder"].choices = [
            (self.ASSOCIATION, _("The association raises its own share")),
            *((pk, funder.name) for pk, funder in self.funders.items())]

    def clean_funder(self):
        value = self.cleaned_data["funder"]
        return None if value == self.ASSOCIATION else self.funders[value]


class StartWorksForm(forms.Form):
    executor = forms.CharField(label=_("Executor"), max_length=200,
                               help_text=_("Who carries out the works, as the contract names "
                                           "them."))
    executor_kind = forms.ChoiceField(label=_("Kind of executor"), choices=ExecutorKind.choices)
    amount = AmountField(label=_("Contract amount"), help_text=_("In the scheme currency."))
    signed_on = forms.DateField(label=_("Signed on"), widget=DateInput())
    document = forms.FileField(label=_("Signed contract"),
                               help_text=_("PDF, JPEG, PNG or WebP."))


class DecisionReturnForm(forms.Form):
    reason = reason_field(help_text=_("Why it goes back: kept with the decision."))
