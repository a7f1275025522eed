"""The Django admin: for developers, not for users' work. Programme setup happens on the
pages (/setup/), through the services that version rules, record envelope adjustments,
require a population's year and source and audit their author: so here places, schemes,
parties, envelopes, funders and associations are read-only, as money always was. Users may
be changed here by superusers only.

Every list is scoped like the pages: a staff member who is a regional administrator sees only
his region's records (another region's reads as missing); superusers and auditors see all.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import models as m
from . import policies
from .querysets import ManagedQuerySet, ScopedQuerySet


def scoped(queryset, user):
    """`queryset` as `user` may read it in the admin: everything for superusers and
    auditors; otherwise the reads layer's scope (his region's, or his projects')."""
    if user.is_superuser or policies.role_of(user) == m.Role.AUDITOR:
        return queryset
    if isinstance(queryset, ManagedQuerySet):
        return queryset.managed_by(user)
    if isinstance(queryset, ScopedQuerySet):
        return queryset.visible_to(user)
    if queryset.model in SCOPE_PATHS:
        path, parent = SCOPE_PATHS[queryset.model]
        return queryset.filter(**{f"{path}__in": scoped(parent(), user)})
    return queryset  # countries and exchange rates: public facts


class ScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)


class ReadOnlyAdmin(ScopedAdmin):
    """Visible to administrators and auditors, changeable by no one through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(m.Country)
class CountryAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "currency", "timezone"]


@admin.register(m.Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "country", "population", "population_year"]
    list_filter = ["country"]
    search_fields = ["name", "code", "name_ru"]


@admin.register(m.District)
class DistrictAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "region", "kind", "population", "population_year"]
    list_filter = ["region__country", "kind", "region"]
    search_fields = ["name", "code", "name_ru", "region__name"]
    list_select_related = ["region"]


@admin.register(m.Mahalla)
class MahallaAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "district", "kind", "population"]
    list_filter = ["kind", "district__region"]
    search_fields = ["name", "code", "name_ru", "district__name"]
    list_select_related = ["district"]


class BoardMemberInline(ReadOnlyInline):
    model = m.BoardMember


@admin.register(m.MigrantAssociation)
class AssociationAdmin(ReadOnlyAdmin):
    """Registration is decided on /setup/applications/ (validity runs from approval)."""

    list_display = ["name", "host_country", "host_city", "member_count", "registration_number",
                    "valid_until"]
    list_filter = ["host_country", "valid_until"]
    search_fields = ["name", "registration_number", "host_city"]
    inlines = [BoardMemberInline]
    date_hierarchy = "valid_until"


@admin.register(m.RegistrationApplication)
class RegistrationApplicationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "status", "member_count", "created_at", "decided_by"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "email"]


@admin.register(m.ProjectProposal)
class ProjectProposalAdmin(ReadOnlyAdmin):
    list_display = ["title", "association", "mahalla", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["association", "mahalla"]


@admin.register(m.Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "user", "invited_by", "created_at", "expires_at", "accepted_at",
                    "revoked_at"]
    exclude = ["token_hash"]
    list_select_related = ["user", "invited_by"]


@admin.register(m.User)
class UserAdmin(BaseUserAdmin):
    """Roles and scopes are given on /setup/users/ (invitations, audited); here only
    superusers change anyone."""

    list_display = ["username", "get_full_name", "role", "district", "region", "association",
                    "is_active"]
    list_filter = ["role", "is_active", "district__region", "language"]
    list_select_related = ["district", "region", "association"]
    search_fields = ["username", "first_name", "last_name", "email"]
    filter_horizontal = ["mahallas", "groups", "user_permissions"]
    autocomplete_fields = ["district", "region", "association", "superior"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Role and scope"), {"fields": ["role", "mahallas", "district", "region", "association",
                                          "superior"]}),
        (_("Notifications"), {"fields": ["language", "timezone", "phone", "notify_by_email",
                                         "notify_by_sms", "quiet_from", "quiet_until"]}),
    ]

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(m.Funder)
class FunderAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "district", "region", "country"]
    list_filter = ["kind"]
    search_fields = ["name"]
    # nullable, so the admin's own select_related() would not follow them
    list_select_related = ["district", "region", "country"]


# Rules are read-only here: a change must publish a new version in the same transaction
# (services.scheme_save, /setup/schemes/), which an admin form saving inlines one by one
# cannot do (editing category weights here once changed the rules without a new version).
class CategoryWeightInline(ReadOnlyInline):
    model = m.SchemeCategoryWeight


class SchemePartyInline(ReadOnlyInline):
    model = m.SchemeParty
    fields = ["position", "role", "weight", "cap", "sponsor"]
    ordering = ["position"]


class EnvelopeInline(ReadOnlyInline):
    model = m.BudgetEnvelope
    fields = ["funder", "amount", "reserved", "disbursed"]


class VersionInline(ReadOnlyInline):
    model = m.SchemeVersion
    fields = ["number", "created_at", "created_by", "rules"]


@admin.register(m.Scheme)
class SchemeAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "fiscal_year", "currency", "max_public_share", "is_active"]
    list_filter = ["fiscal_year", "country", "is_active"]
    search_fields = ["code", "name"]
    inlines = [SchemePartyInline, EnvelopeInline, VersionInline]


@admin.register(m.SchemeParty)
class SchemePartyAdmin(ReadOnlyAdmin):
    list_display = ["scheme", "role", "weight", "cap"]
    list_filter = ["scheme", "role"]
    inlines = [CategoryWeightInline]


@admin.register(m.BudgetEnvelope)
class EnvelopeAdmin(ReadOnlyAdmin):
    """Envelopes open, grow and shrink on /setup/envelopes/, each change an adjustment."""

    list_display = ["funder", "scheme", "amount", "reserved", "disbursed", "available"]
    list_filter = ["scheme", "funder__kind"]
    search_fields = ["funder__name", "scheme__code"]
    list_select_related = ["funder", "scheme"]


@admin.register(m.EnvelopeAdjustment)
class EnvelopeAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["envelope", "change", "amount_after", "reserved", "reason", "created_by",
                    "created_at"]
    list_select_related = ["envelope__funder", "envelope__scheme", "created_by"]


class StatusChangeInline(admin.TabularInline):
    model = m.StatusChange
    extra = 0
    readonly_fields = ["from_status", "to_status", "reason", "actor", "at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class CommitmentInline(admin.TabularInline):
    model = m.Commitment
    extra = 0
    fields = ["role", "funder", "target", "reserved", "matched", "disbursed", "bound_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.Project)
class ProjectAdmin(ScopedAdmin):
    """Projects move through their services (web pages and API), not through admin edits."""

    list_display = ["code", "title", "mahalla", "category", "status", "cost", "received",
                    "matched", "disbursed"]
    list_filter = ["status", "category", "scheme", "mahalla__district__region"]
    search_fields = ["code", "title", "mahalla__name", "association__name"]
    list_select_related = ["mahalla"]
    readonly_fields = [f.name for f in m.Project._meta.fields]
    inlines = [CommitmentInline, StatusChangeInline]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(m.Pledge)
class PledgeAdmin(ReadOnlyAdmin):
    list_display = ["project", "association", "amount", "currency", "expected_on", "status"]
    list_filter = ["currency", "status"]
    search_fields = ["project__code", "association__name"]
    list_select_related = ["project", "association"]


@admin.register(m.Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["reference", "project", "association", "amount", "currency", "rate",
                    "converted", "fee", "received_on", "status", "recorded_by"]
    list_filter = ["currency", "status", "rate_entered_by_hand"]
    search_fields = ["reference", "project__code", "association__name"]
    list_select_related = ["project", "association", "recorded_by"]
    date_hierarchy = "received_on"


@admin.register(m.LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "project", "kind", "role", "amount", "currency",
                    "reverses", "created_by", "memo"]
    list_filter = ["kind", "role", "currency"]
    search_fields = ["project__code", "memo"]
    list_select_related = ["project", "created_by"]
    date_hierarchy = "created_at"


@admin.register(m.Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    """For auditors: complaints are answered on the officer's pages, never here."""

    list_display = ["code", "filed_at", "project", "category", "status", "answered_at"]
    list_filter = ["status", "category"]
    search_fields = ["code", "project__code"]
    list_select_related = ["project"]
    date_hierarchy = "filed_at"


@admin.register(m.Tranche)
class TrancheAdmin(ReadOnlyAdmin):
    list_display = ["commitment", "number", "due_on", "amount", "disbursed", "paid_on"]
    list_filter = ["due_on", "paid_on"]
    search_fields = ["commitment__project__code"]


@admin.register(m.ExchangeRate)
class ExchangeRateAdmin(ScopedAdmin):
    list_display = ["on", "currency", "quote_currency", "rate", "source", "entered_by_hand"]
    list_filter = ["currency", "quote_currency", "entered_by_hand"]
    date_hierarchy = "on"


@admin.register(m.Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["project", "kind", "description", "uploaded_by", "uploaded_at"]
    list_filter = ["kind"]
    search_fields = ["project__code", "description"]


@admin.register(m.MatchRecord)
class MatchRecordAdmin(ReadOnlyAdmin):
    list_display = ["project", "reason", "scheme_version", "created_by", "created_at"]
    search_fields = ["project__code"]


class MessageLogInline(admin.TabularInline):
    model = m.MessageLog
    extra = 0
    can_delete = False
    fields = ["at", "channel", "address", "result", "detail"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.Reminder)
class ReminderAdmin(ScopedAdmin):
    """Failed reminders are listed here for the administrators (filter: status = failed)."""

    list_display = ["kind", "subject_type", "subject_id", "period", "recipient", "due_at",
                    "status", "attempts", "last_error"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient__username", "project__code", "last_error"]
    list_select_related = ["recipient"]
    date_hierarchy = "due_at"
    readonly_fields = [f.name for f in m.Reminder._meta.fields]
    inlines = [MessageLogInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(m.MessageLog)
class MessageLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "reminder", "channel", "address", "result", "detail"]
    list_filter = ["channel", "result"]
    list_select_related = ["reminder"]


@admin.register(m.ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    """Imports are made through the upload pages (/imports/<kind>/) and commands, which
    validate every row; here they are only read (the rows: /imports/<id>/rows.csv)."""

    list_display = ["id", "kind", "filename", "status", "rows_total", "rows_created",
                    "rows_skipped", "rows_failed", "uploaded_by", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["filename", "sha256"]
    list_select_related = ["uploaded_by"]


# Models without a reads-layer scope of their own: the path to a record that has one.
SCOPE_PATHS = {
    m.Reminder: ("recipient", m.User.objects.all),
    m.MessageLog: ("reminder__recipient", m.User.objects.all),
    m.ImportBatch: ("uploaded_by", m.User.objects.all),
    m.SchemeVersion: ("scheme", m.Scheme.objects.all),
    m.SchemeParty: ("scheme", m.Scheme.objects.all),
    m.SchemeCategoryWeight: ("party__scheme", m.Scheme.objects.all),
    m.EnvelopeAdjustment: ("envelope", m.BudgetEnvelope.objects.all),
    m.BoardMember: ("association", m.MigrantAssociation.objects.all),
}
