"""The scheme editor's forms: the scheme, its parties (a formset, weights per category on
each party) and the example project of the preview. `SchemeEditor` binds them together and
turns them into what `services.scheme_save` and the preview take."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from ...models import ASSOCIATION_ROLE, Category, Country, Funder, FunderKind
from ...services.schemes import SCHEME_FIELDS, party_dicts, rules_dict, rules_errors
from ..fields import AmountField

ROLE_CHOICES = [("", "—"), (ASSOCIATION_ROLE, _("Migrant association")), *FunderKind.choices]
HUNDRED = Decimal(100)


class WeightField(forms.DecimalField):
    """A party's weight: a small positive number in the page language's decimal format."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=9, decimal_places=4, min_value=Decimal("0.0001"),
                         localize=True, **kwargs)


class SchemeForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40,
                           help_text=_("Short and unique, e.g. uz-3x1-2027. It cannot change "
                                       "later."))
    name = forms.CharField(label=_("Name"), max_length=200)
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.all(),
                                     help_text=_("The scheme's currency is the country's."))
    fiscal_year = forms.IntegerField(label=_("Fiscal year"), min_value=2000, max_value=2100)
    max_project_cost = AmountField(label=_("Maximum project cost"), required=False)
    max_public_share = forms.DecimalField(
        label=_("Maximum public share (%)"), required=False, max_digits=6, decimal_places=2,
        min_value=Decimal("0.01"), max_value=HUNDRED, localize=True,
        help_text=_("The most that co-funders together may pay of a project's cost, e.g. 70. "
                    "Empty: no ceiling."))
    eligible_categories = forms.MultipleChoiceField(
        label=_("Eligible categories"), choices=Category.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: every category."))
    win_cooldown_seasons = forms.IntegerField(
        label=_("Seasons before a mahalla may win again"), required=False, min_value=1,
        max_value=10, help_text=_("Empty: no repeat-winner rule."))
    block_with_overdue_project = forms.BooleanField(
        label=_("A mahalla with an overdue open project may not start another"),
        required=False)
    second_officer_threshold = AmountField(
        label=_("Second officer above"), required=False, allow_zero=True,
        help_text=_("A decision on a project costing more than this waits for a second "
                    "officer's confirmation. Empty: one officer decides."))
    is_active = forms.BooleanField(label=_("Accepting projects"), required=False, initial=True)
    based_on = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, scheme=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        if scheme is not None:  # code, country and currency are fixed at creation
            for name in ("code", "country"):
                del self.fields[name]

    def scheme_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data.get(name) for name in SCHEME_FIELDS}
        if data.get("max_public_share") is not None:
            fields["max_public_share"] = data["max_public_share"] / HUNDRED
        fields["eligible_categories"] = sorted(data.get("eligible_categories") or [])
        if self.scheme is None:
            fields.update(code=data["code"], country=data["country"],
                          currency=data["country"].currency)
        return fields

    def currency(self) -> str | None:
        if self.scheme is not None:
            return self.scheme.currency
        country = self.cleaned_data.get("country")
        return country.currency if country else None


class PartyForm(forms.Form):
    role = forms.ChoiceField(label=_("Party"), choices=ROLE_CHOICES, required=False)
    weight = WeightField(label=_("Weight"), required=False)
    cap = AmountField(label=_("Cap per project"), required=False,
                      help_text=_("Empty: no cap."))
    sponsor = forms.ModelChoiceField(label=_("Sponsor"), required=False,
                                     queryset=Funder.objects.filter(kind=FunderKind.SPONSOR),
                                     help_text=_("For a private sponsor: which funder."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in Category.choices:
            self.fields[f"w_{value}"] = WeightField(label=label, required=False)

    @property
    def category_fields(self):
        return [self[f"w_{value}"] for value in Category.values]

    def clean(self):
        data = super().clean()
        if data.get("role") and data.get("weight") is None:
            self.add_error("weight", _("Give the party's weight."))
        if not data.get("role") and (data.get("weight") is not None or data.get("cap")):
            self.add_error("role", _("Choose the party."))
        return data

    def party(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("role") or data.get("DELETE"):
            return None
        return {"role": data["role"], "weight": data["weight"], "cap": data.get("cap"),
                "sponsor": data.get("sponsor"),
                "category_weights": {c: data[f"w_{c}"] for c in Category.values
                                     if data.get(f"w_{c}") is not None}}


PartyFormSet = forms.formset_factory(PartyForm, extra=1, can_delete=True, max_num=8,
                                     validate_max=True)


class ExampleForm(forms.Form):
    """The example project the preview computes the match of."""

    cost = AmountField(label=_("Cost of the example project"))
    received = AmountField(label=_("Money received from the association"), allow_zero=True)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)


EXAMPLE = {"example-cost": "100000000", "example-received": "30000000",
           "example-category": Category.DRINKING_WATER}


# where a rules error's path points on the page
RULE_FIELDS = {"max_public_share": "max_public_share", "max_project_cost": "max_project_cost",
               "eligible_categories": "eligible_categories", "currency": None}


class SchemeEditor:
    """The scheme form and its parties' formset, read and checked together: the rules they
    make are checked by the same reader the engine uses, each error put on its field."""

    def __init__(self, data=None, *, scheme=None):
        initial, parties = None, None
        if scheme is not None and data is None:
            latest = scheme.versions.order_by("-number").values_list("number", flat=True).first()
            initial = {name: getattr(scheme, name) for name in SCHEME_FIELDS}
            if scheme.max_public_share is not None:
                initial["max_public_share"] = _plain(scheme.max_public_share * HUNDRED)
            initial["based_on"] = latest
            parties = [_party_initial(p) for p in party_dicts(scheme)]
        self.scheme, self._valid = scheme, None
        self.form = SchemeForm(data, scheme=scheme, initial=initial)
        self.parties = PartyFormSet(data, prefix="parties", initial=parties)
        # the example is always bound, so the preview computes from the first page view
        self.example = ExampleForm(data if data is not None else EXAMPLE, prefix="example")

    def party_list(self) -> list[dict]:
        """The parties in their order, without the blank and the deleted rows."""
        return [p for p in (f.party() for f in self.parties.forms) if p]

    def is_valid(self) -> bool:
        if self._valid is None:  # checked once: the checks add their errors to the forms
            self._valid = self._check()
        return self._valid

    def _check(self) -> bool:
        valid = self.form.is_valid() & self.parties.is_valid()
        if not valid:
            return False
        kept = [f for f in self.parties.forms if f.party()]
        roles = [f.cleaned_data["role"] for f in kept]
        if len(set(roles)) != len(roles):
            self._formset_error(_("Each party may appear once."))
            return False
        if ASSOCIATION_ROLE not in roles:
            self._formset_error(_("A scheme needs the migrant association among its parties."))
            return False
        for f in kept:
            is_sponsor = f.cleaned_data["role"] == FunderKind.SPONSOR
            if is_sponsor and not f.cleaned_data.get("sponsor"):
                f.add_error("sponsor", _("Name the private sponsor that plays this part."))
            elif not is_sponsor and f.cleaned_data.get("sponsor"):
                f.add_error("sponsor", _("Only a private sponsor party names a funder."))
        if any(f.errors for f in kept):
            return False
        errors = rules_errors(self.rules())
        for path, messages in errors.items():
            self._place(path, kept, messages)
        return not errors

    def rules(self) -> dict:
        """The rules JSON the forms describe (call after the forms are valid)."""
        return rules_dict(currency=self.form.currency() or "", parties=self.party_list(),
                          **{k: v for k, v in self.form.scheme_fields().items()
                             if k in SCHEME_FIELDS})

    def _formset_error(self, message) -> None:
        self.parties._non_form_errors = self.parties.error_class([message])

    def _place(self, path: str, kept, messages) -> None:
        if path.startswith("parties[") and "]" in path:
            index = int(path[len("parties["):path.index("]")])
            rest = path[path.index("]") + 2:]
            field = rest.split(".")[0] if rest else None
            if rest.startswith("category_weights."):
                field = "w_" + rest.split(".", 1)[1]
            form = kept[index] if index < len(kept) else None
            if form is not None and field in form.fields:
                form.add_error(field, messages)
                return
            if form is not None:
                form.add_error(None, messages)
                return
        if path == "parties":
            self._formset_error(" ".join(messages))
            return
        field = RULE_FIELDS.get(path.split(".")[0])
        self.form.add_error(field if field in self.form.fields else None, messages)


def _plain(value: Decimal) -> Decimal:
    """1.0000 as 1 and 10.0000 as 10 (not 1E+1): how the form shows a weight or share."""
    return Decimal(format(value.normalize(), "f"))


def _party_initial(party: dict) -> dict:
    initial = {"role": party["role"], "weight": _plain(party["weight"]), "cap": party["cap"],
               "sponsor": party["sponsor"]}
    for category, weight in party["category_weights"].items():
        initial[f"w_{category}"] = _plain(weight)
    return initial
