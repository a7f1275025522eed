"""Schemes (the rules of one programme for one fiscal year), their parties and versions,
the funders who co-fund, and the funders' budget envelopes."""

import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..querysets import ManagedQuerySet
from .base import TimeStamped, audited, currency_check, currency_field, money_field


class Category(models.TextChoices):
    DRINKING_WATER = "drinking_water", _("Drinking water")
    SEWERAGE = "sewerage", _("Sewerage")
    ELECTRICITY = "electricity", _("Electricity")
    GAS = "gas", _("Gas supply")
    ROAD = "road", _("Road")
    SCHOOL = "school", _("School")
    HEALTH_POST = "health_post", _("Health post")
    IRRIGATION = "irrigation", _("Irrigation")
    PUBLIC_SPACE = "public_space", _("Public space")


class FunderKind(models.TextChoices):
    """Also the party roles of a scheme: a party `district` is the project's district."""

    MAHALLA = "mahalla", _("Mahalla committee")
    DISTRICT = "district", _("District (hokimiyat)")
    REGION = "region", _("Region")
    NATIONAL = "national", _("National government")
    SPONSOR = "sponsor", _("Private sponsor")


ASSOCIATION_ROLE = "association"


@audited()
class Funder(TimeStamped):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=FunderKind.choices)
    mahalla = models.OneToOneField("matching.Mahalla", models.PROTECT, null=True, blank=True,
                                   related_name="funder")
    district = models.OneToOneField("matching.District", models.PROTECT, null=True, blank=True,
                                    related_name="funder")
    region = models.OneToOneField("matching.Region", models.PROTECT, null=True, blank=True,
                                  related_name="funder")
    country = models.ForeignKey("matching.Country", models.PROTECT, null=True, blank=True,
                                related_name="funders")

    objects = ManagedQuerySet.as_manager()
    # a regional administrator manages his region's committees, districts and region; the
    # national government and sponsors belong to the programme's administrators
    region_paths = ("mahalla__district__region", "district__region", "region")

    class Meta:
        ordering = ["name"]
        verbose_name = _("funder")
        constraints = [
            models.CheckConstraint(condition=~Q(kind="mahalla") | Q(mahalla__isnull=False),
                                   name="funder_mahalla_has_mahalla"),
            models.CheckConstraint(condition=~Q(kind="district") | Q(district__isnull=False),
                                   name="funder_district_has_district"),
            models.CheckConstraint(condition=~Q(kind="region") | Q(region__isnull=False),
                                   name="funder_region_has_region"),
            models.CheckConstraint(condition=~Q(kind="national") | Q(country__isnull=False),
                                   name="funder_national_has_country"),
            models.UniqueConstraint(fields=["country"], condition=Q(kind="national"),
                                    name="one_national_funder_per_country"),
        ]

    def __str__(self):
        return self.name


@audited()
class Scheme(TimeStamped):
    """One programme's rules for one fiscal year. Edits publish a new `SchemeVersion`."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.ForeignKey("matching.Country", models.PROTECT, related_name="schemes")
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    currency = currency_field()
    max_project_cost = money_field(_("maximum project cost"), null=True, blank=True)
    max_public_share = models.DecimalField(_("maximum public share"), max_digits=5,
                                           decimal_places=4, null=True, blank=True,
                                           help_text=_("e.g. 0.7000 for 70 %"))
    eligible_categories = ArrayField(models.CharField(max_length=20, choices=Category.choices),
                                     default=list, blank=True,
                                     verbose_name=_("eligible categories"),
                                     help_text=_("Empty: every category."))
    win_cooldown_seasons = models.PositiveSmallIntegerField(
        _("seasons before a mahalla may win again"), null=True, blank=True)
    block_with_overdue_project = models.BooleanField(
        _("a mahalla with an overdue open project may not start another"), default=False)
    second_officer_threshold = money_field(
        _("second officer above"), null=True, blank=True,
        help_text=_("A decision on a project costing more than this waits for a second "
                    "officer's confirmation. Empty: one officer decides."))
    is_active = models.BooleanField(_("accepting projects"), default=True)

    objects = ManagedQuerySet.as_manager()
    # schemes are national: a regional administrator reads his country's (policies say who
    # may write them)
    region_paths = ("country__regions",)
    region_multivalued = True

    class Meta:
        ordering = ["-fiscal_year", "code"]
        verbose_name = _("scheme")
        constraints = [
            currency_check("currency", "scheme_currency_iso"),
            models.CheckConstraint(condition=Q(max_project_cost__isnull=True)
                                   | Q(max_project_cost__gt=0), name="scheme_max_cost_positive"),
            models.CheckConstraint(condition=Q(max_public_share__isnull=True)
                                   | (Q(max_public_share__gt=0) & Q(max_public_share__lte=1)),
                                   name="scheme_public_share_fraction"),
            models.CheckConstraint(condition=Q(second_officer_threshold__isnull=True)
                                   | Q(second_officer_threshold__gte=0),
                                   name="scheme_second_officer_threshold_not_negative"),
        ]

    def __str__(self):
        return f"{self.name} ({self.fiscal_year})"


@audited()
class SchemeParty(models.Model):
    scheme = models.ForeignKey(Scheme, models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=20,
                            choices=[(ASSOCIATION_ROLE, _("Migrant association")),
                                     *FunderKind.choices])
    position = models.PositiveSmallIntegerField(_("position"), default=0,
                                                help_text=_("Order of the parties; ties in "
                                                            "rounding go to the first."))
    weight = models.DecimalField(_("weight"), max_digits=9, decimal_places=4)
    cap = money_field(_("cap per project"), null=True, blank=True)
    sponsor = models.ForeignKey(Funder, models.PROTECT, null=True, blank=True,
                                related_name="sponsored_parties",
                                help_text=_("For a private sponsor: which funder."))

    class Meta:
        ordering = ["scheme", "position", "id"]
        verbose_name = _("scheme party")
        verbose_name_plural = _("scheme parties")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "role"], name="scheme_party_unique_role"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="scheme_party_weight_positive"),
            models.CheckConstraint(condition=Q(cap__isnull=True) | Q(cap__gt=0),
                                   name="scheme_party_cap_positive"),
            models.CheckConstraint(condition=~Q(role="sponsor") | Q(sponsor__isnull=False),
                                   name="scheme_sponsor_party_names_funder"),
        ]

    def __str__(self):
        return f"{self.role} × {self.weight.normalize()}"


@audited()
class SchemeCategoryWeight(models.Model):
    party = models.ForeignKey(SchemeParty, models.CASCADE, related_name="category_weights")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    weight = models.DecimalField(_("weight"), max_digits=9, decimal_places=4)

    class Meta:
        verbose_name = _("category weight")
        constraints = [
            models.UniqueConstraint(fields=["party", "category"], name="category_weight_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="category_weight_positive"),
        ]


@audited(deletes=False)
class SchemeVersion(models.Model):
    """An immutable snapshot of a scheme's rules (the match-preview `rules` JSON).

    Commitments point here, so editing a scheme never changes a match already made.
    """

    scheme = models.ForeignKey(Scheme, models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    rules = models.JSONField(_("rules"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey("matching.User", models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["scheme", "-number"]
        get_latest_by = "number"
        verbose_name = _("scheme version")
        constraints = [models.UniqueConstraint(fields=["scheme", "number"],
                                               name="scheme_version_unique_number")]

    def __str__(self):
        return f"{self.scheme.code} v{self.number}"


@audited(statement_updates=True)  # totals moved in bulk by the ledger
class BudgetEnvelope(TimeStamped):
    """What one funder may commit under one scheme (and so one fiscal year).

    `reserved` and `disbursed` are cached sums of the ledger's reservation and disbursement
    entries (verify_ledger checks them); the database refuses reservations beyond `amount`.
    """

    funder = models.ForeignKey(Funder, models.PROTECT, related_name="envelopes")
    scheme = models.ForeignKey(Scheme, models.PROTECT, related_name="envelopes")
    amount = money_field(_("amount"), help_text=_("In the scheme currency."))
    reserved = money_field(_("reserved"), default=0, editable=False)
    disbursed = money_field(_("disbursed"), default=0, editable=False)

    objects = ManagedQuerySet.as_manager()
    region_paths = tuple(f"funder__{path}" for path in Funder.region_paths)

    class Meta:
        ordering = ["scheme", "funder"]
        verbose_name = _("budget envelope")
        constraints = [
            models.UniqueConstraint(fields=["funder", "scheme"], name="envelope_unique_funder"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="envelope_amount_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0) & Q(reserved__lte=F("amount")),
                                   name="envelope_reserved_within_amount"),
            models.CheckConstraint(condition=Q(disbursed__gte=0) & Q(disbursed__lte=F("reserved")),
                                   name="envelope_disbursed_within_reserved"),
        ]

    def __str__(self):
        return f"{self.funder} / {self.scheme.code}"

    @property
    def available(self):
        return self.amount - self.reserved


@audited(deletes=False)
class EnvelopeAdjustment(models.Model):
    """One change of an envelope's amount: its opening amount, an increase or a cut, with the
    reason and who made it. Append-only (the database refuses updates and deletes): the
    envelope's amount is the last `amount_after`, and its history is these rows."""

    envelope = models.ForeignKey(BudgetEnvelope, models.PROTECT, related_name="adjustments")
    change = money_field(_("change"), help_text=_("Positive: an increase; negative: a cut."))
    amount_before = money_field(_("amount before"))
    amount_after = money_field(_("amount after"))
    reserved = money_field(_("reserved at the time"))
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey("matching.User", models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)

    class Meta:
        ordering = ["envelope", "created_at", "id"]
        verbose_name = _("envelope adjustment")
        constraints = [
            models.CheckConstraint(condition=Q(amount_after=F("amount_before") + F("change")),
                                   name="adjustment_adds_up"),
            models.CheckConstraint(condition=Q(amount_after__gte=F("reserved")),
                                   name="adjustment_not_below_reserved"),
            models.CheckConstraint(condition=~Q(reason=""), name="adjustment_has_reason"),
        ]
        triggers = [pgtrigger.Protect(name="append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return f"{self.envelope_id} {self.change:+}"
