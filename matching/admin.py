"""The Django admin for programme administrators: schemes, envelopes, users, and read-only
money. Money never moves here: the ledger, receipts and commitments are read-only, and scheme
edits publish a new version through the service."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import models as m
from .services import scheme_publish


class ReadOnlyAdmin(admin.ModelAdmin):
    """Visible to administrators and auditors, changeable by no one through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(m.Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "currency", "timezone"]


@admin.register(m.Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "population"]
    list_filter = ["country"]
    search_fields = ["name"]


@admin.register(m.District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "population"]
    list_filter = ["region__country", "region"]
    search_fields = ["name", "region__name"]
    list_select_related = ["region"]


@admin.register(m.Mahalla)
class MahallaAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "population"]
    list_filter = ["district__region"]
    search_fields = ["name", "district__name"]
    list_select_related = ["district"]
    autocomplete_fields = ["district"]


class BoardMemberInline(admin.TabularInline):
    model = m.BoardMember
    extra = 0


@admin.register(m.MigrantAssociation)
class AssociationAdmin(admin.ModelAdmin):
    list_display = ["name", "host_country", "host_city", "member_count", "registration_number",
                    "valid_until"]
    list_filter = ["host_country", "valid_until"]
    search_fields = ["name", "registration_number", "host_city"]
    filter_horizontal = ["home_mahallas"]
    inlines = [BoardMemberInline]
    date_hierarchy = "valid_until"


@admin.register(m.User)
class UserAdmin(BaseUserAdmin):
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
                                         "notify_by_sms"]}),
    ]


@admin.register(m.Funder)
class FunderAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "district", "region", "country"]
    list_filter = ["kind"]
    search_fields = ["name"]
    # nullable, so the admin's own select_related() would not follow them
    list_select_related = ["district", "region", "country"]
    autocomplete_fields = ["mahalla", "district", "region"]


class CategoryWeightInline(admin.TabularInline):
    model = m.SchemeCategoryWeight
    extra = 0


class SchemePartyInline(admin.TabularInline):
    model = m.SchemeParty
    extra = 0
    fields = ["position", "role", "weight", "cap", "sponsor"]
    ordering = ["position"]


class EnvelopeInline(admin.TabularInline):
    model = m.BudgetEnvelope
    extra = 0
    fields = ["funder", "amount", "reserved", "disbursed"]
    readonly_fields = ["reserved", "disbursed"]
    autocomplete_fields = ["funder"]


class VersionInline(admin.TabularInline):
    model = m.SchemeVersion
    extra = 0
    fields = ["number", "created_at", "created_by", "rules"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(m.Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "fiscal_year", "currency", "max_public_share", "is_active"]
    list_filter = ["fiscal_year", "country", "is_active"]
    search_fields = ["code", "name"]
    inlines = [SchemePartyInline, EnvelopeInline, VersionInline]

    def save_related(self, request, form, formsets, change):
        # parties are saved with the inlines, so the new version is taken after them
        super().save_related(request, form, formsets, change)
        version = scheme_publish(scheme=form.instance, actor=request.user)
        self.message_user(request, _("Rules published as version %(n)s.") % {"n": version.number})


@admin.register(m.SchemeParty)
class SchemePartyAdmin(admin.ModelAdmin):
    list_display = ["scheme", "role", "weight", "cap"]
    list_filter = ["scheme", "role"]
    inlines = [CategoryWeightInline]


@admin.register(m.BudgetEnvelope)
class EnvelopeAdmin(admin.ModelAdmin):
    list_display = ["funder", "scheme", "amount", "reserved", "disbursed", "available"]
    list_filter = ["scheme", "funder__kind"]
    search_fields = ["funder__name", "scheme__code"]
    list_select_related = ["funder", "scheme"]
    readonly_fields = ["reserved", "disbursed"]
    autocomplete_fields = ["funder"]


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
class ProjectAdmin(admin.ModelAdmin):
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
class ExchangeRateAdmin(admin.ModelAdmin):
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
class ReminderAdmin(admin.ModelAdmin):
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
