"""Forms of the selection-round pages: the call (with its criteria as a formset), members,
interests, scores, sessions, votes and the decisions. They check the shape of what was typed;
the services decide, and their refusals land back on these forms."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .. import allocation, policies
from ..models import (SCORE_MAX, BudgetEnvelope, CriterionKind, Mahalla, MigrantAssociation,
                      Outcome, Role, Scheme, User, VoteChoice)
from ..services.calls import regions_for
from .forms import DateInput


class CallForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40,
                           help_text=_("Short and unique, e.g. tash-2027-water. It cannot "
                                       "change later."))
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    scheme = forms.ModelChoiceField(label=_("Scheme"), queryset=Scheme.objects.none(),
                                    help_text=_("The call spends this scheme's envelopes "
                                                "(and so its fiscal year's)."))
    region = forms.ModelChoiceField(label=_("Region"), required=False, queryset=None,
                                    help_text=_("Empty: applications from the whole country."))
    opens_on = forms.DateField(label=_("Opens on"), widget=DateInput())
    closes_on = forms.DateField(label=_("Closes on"), widget=DateInput(),
                                help_text=_("The last day to apply."))
    quorum = forms.IntegerField(label=_("Quorum"), min_value=1, max_value=99, initial=3,
                                help_text=_("Members who must be present for a session to "
                                            "vote."))
    envelopes = forms.ModelMultipleChoiceField(
        label=_("Envelopes it spends"), queryset=BudgetEnvelope.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each application draws its co-funders' targets from these."))

    def __init__(self, *args, user, call=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        if call is not None:  # code, scheme and region are fixed at creation
            for name in ("code", "scheme", "region"):
                del self.fields[name]
            scheme = call.scheme
        else:
            self.fields["scheme"].queryset = Scheme.objects.managed_by(user)
            self.fields["region"].queryset = regions_for(user)
            if not policies.programme_wide(user):
                del self.fields["region"]  # his own region
            scheme = self._scheme()
        envelopes = BudgetEnvelope.objects.managed_by(user).select_related("funder", "scheme")
        self.fields["envelopes"].queryset = (envelopes.filter(scheme=scheme) if scheme
                                             else envelopes).order_by("scheme", "funder__name")

    def _scheme(self):
        value = self.data.get("scheme") if self.is_bound else None
        if value and str(value).isdecimal():
            return self.fields["scheme"].queryset.filter(pk=int(value)).first()
        return None


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("Criterion"), max_length=120, required=False)
    description = forms.CharField(label=_("How it is measured"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    kind = forms.ChoiceField(label=_("Kind"), choices=CriterionKind.choices,
                             initial=CriterionKind.SCORED)
    weight = forms.DecimalField(label=_("Weight"), required=False, max_digits=7,
                                decimal_places=2, min_value=Decimal("0.01"),
                                max_value=Decimal("1000"), localize=True)

    def clean(self):
        data = super().clean()
        filled = data.get("name") or data.get("description") or data.get("weight") is not None
        if filled:
            for name in ("name", "description", "weight"):
                if data.get(name) in (None, ""):
                    self.add_error(name, _("Fill this in, or empty the whole row."))
        return data


CriterionFormSet = forms.formset_factory(CriterionForm, extra=0, max_num=12, validate_max=True,
                                         absolute_max=12)

DEFAULT_CRITERIA = [
    {"name": _("Need"), "kind": CriterionKind.SCORED, "weight": Decimal("3"),
     "description": _("How badly the mahalla lacks what the project builds (category, "
                      "people served, the state of what exists), scored by the members.")},
    {"name": _("Equity"), "kind": CriterionKind.EQUITY, "weight": Decimal("2"),
     "description": _("The district's matched funding per head so far: less is better.")},
    {"name": _("Association's share"), "kind": CriterionKind.SHARE, "weight": Decimal("1"),
     "description": _("The association's money in hand over the cost when it applied.")},
    {"name": _("Readiness"), "kind": CriterionKind.SCORED, "weight": Decimal("2"),
     "description": _("A technical file, an executor and a plan that can start, scored by "
                      "the members.")},
    {"name": _("Community support"), "kind": CriterionKind.SCORED, "weight": Decimal("2"),
     "description": _("Residents' meeting, hashar labour offered, letters of support, scored "
                      "by the members.")},
]


def criteria_formset(data=None, call=None) -> CriterionFormSet:
    if call is not None:
        initial = [{"name": c.name, "description": c.description, "kind": c.kind,
                    "weight": c.weight} for c in call.criteria.all()]
    else:
        initial = [{k: str(v) if k in ("name", "description") else v for k, v in c.items()}
                   for c in DEFAULT_CRITERIA]
    formset = CriterionFormSet(data, initial=initial + [{}, {}], prefix="criteria")
    formset.extra = 0
    return formset


def criteria_of(formset) -> list[dict]:
    return [{k: form.cleaned_data[k] for k in ("name", "description", "kind", "weight")}
            for form in formset.forms if form.cleaned_data.get("name")]


class MemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Committee member"), queryset=User.objects.none())

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (User.objects.filter(role=Role.COMMITTEE, is_active=True)
                                        .exclude(committee_seats__call=call)
                                        .order_by("last_name", "first_name", "username"))


class InterestForm(forms.Form):
    mahalla = forms.ModelChoiceField(label=_("Mahalla"), required=False,
                                     queryset=Mahalla.objects.none())
    association = forms.ModelChoiceField(label=_("Association"), required=False,
                                         queryset=MigrantAssociation.objects.none())
    note = forms.CharField(label=_("What the interest is"), max_length=300,
                           help_text=_("e.g. I live there; my brother sits on its board."))

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        applications = call.applications.all()
        self.fields["mahalla"].queryset = Mahalla.objects.filter(
            pk__in=applications.values("mahalla")).order_by("name")
        self.fields["association"].queryset = MigrantAssociation.objects.filter(
            pk__in=applications.values("association")).order_by("name")

    def clean(self):
        data = super().clean()
        if bool(data.get("mahalla")) == bool(data.get("association")):
            self.add_error("mahalla", _("Choose either a mahalla or an association."))
        return data


class ScoreForm(forms.Form):
    """One field per criterion the member scores, 0 to 10."""

    comment = forms.CharField(label=_("Comment"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        scores = {f"criterion_{c.pk}": forms.TypedChoiceField(
            label=c.name, help_text=c.description, coerce=int,
            choices=[("", "—")] + [(n, n) for n in range(SCORE_MAX + 1)])
            for c in criteria}
        self.fields = {**scores, "comment": self.fields["comment"]}
        self.criteria = criteria

    def values(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"criterion_{c.pk}"] for c in self.criteria}


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    place = forms.CharField(label=_("Place"), max_length=200)


class AttendanceForm(forms.Form):
    present = forms.ModelMultipleChoiceField(label=_("Present"), required=False,
                                             queryset=None, widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(label=_("Notes for the minutes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("What was discussed, in plain words; published."))

    def __init__(self, *args, session, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = session.call.members.select_related("user")
        self.fields["present"].label_from_instance = lambda m: f"{m.label}: {m.user}"


class VotesForm(forms.Form):
    """One choice per present member (empty: did not vote)."""

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = members
        for member in members:
            self.fields[f"member_{member.pk}"] = forms.ChoiceField(
                label=f"{member.label}: {member.user}", required=False,
                choices=[("", "—"), *VoteChoice.choices])

    def votes(self) -> dict:
        return {m: self.cleaned_data[f"member_{m.pk}"] for m in self.members
                if self.cleaned_data.get(f"member_{m.pk}")}


class DecisionsForm(forms.Form):
    """An outcome and a reason per application, prefilled with the proposal."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            key = row["application"].pk
            self.fields[f"outcome_{key}"] = forms.ChoiceField(
                label=_("Decision"), choices=Outcome.choices,
                initial=Outcome.SELECTED if row["proposed"] else Outcome.DEFERRED)
            self.fields[f"reason_{key}"] = forms.CharField(
                label=_("Reason"), required=False, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 1}))

    def decisions(self) -> dict[int, dict]:
        return {row["application"].pk: {
            "outcome": self.cleaned_data[f"outcome_{row['application'].pk}"],
            "reason": self.cleaned_data[f"reason_{row['application'].pk}"]}
            for row in self.rows}

    def bound_rows(self):
        for row in self.rows:
            key = row["application"].pk
            yield {**row, "outcome": self[f"outcome_{key}"], "reason": self[f"reason_{key}"]}


class AllocationForm(forms.Form):
    # solved in a background job (a worker of the `imports` queue), not in the request
    time_limit = forms.IntegerField(label=_("Time limit (seconds)"), min_value=1,
                                    max_value=allocation.MAX_TIME_LIMIT,
                                    initial=int(allocation.DEFAULT_TIME_LIMIT), help_text=_(
                                        "The solver stops then with the best set found and "
                                        "says how far from the best possible it may be."))
