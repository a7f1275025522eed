"""Open data in the IATI activity standard, version 2.03.

One `iati-activity` per project (drafts are not published) with its transactions, read from
the ledger (`transaction-date`: the day the entry was booked; `value-date`: the day that fixed
its value, a receipt's arrival or a payment's day): receipts (and refunds, negative) as
incoming funds from the association, the
co-funders' reservations at approval (and their releases, negative) as commitments, and
payments to the executor (and clawbacks, negative) as disbursements. Nothing personal is
written: organisations by name, never people, and no bank references.

The document is streamed element by element (lxml's incremental writer) and projects are read
in chunks with their entries prefetched, so an export of 100,000 projects keeps memory flat
and runs a constant number of queries per chunk.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone
from lxml import etree

from .jobs.progress import NO_PROGRESS
from .models import ASSOCIATION_ROLE, Category, EntryKind, FunderKind, LedgerEntry, Project
from .models import ProjectStatus as S
from .querysets import UNSUBMITTED_STATES
from .text import xml_safe

VERSION = "2.03"
CHUNK = 500

# IATI ActivityStatus codelist
STATUS = {
    S.SUBMITTED: "1", S.UNDER_REVIEW: "1", S.DEFERRED: "1", S.APPROVED: "1",
    S.CONDITIONALLY_APPROVED: "1", S.FUNDING: "2", S.FUNDED: "2", S.IN_PROGRESS: "2",
    S.COMPLETED: "3", S.CLOSED: "4", S.REJECTED: "5", S.CANCELLED: "5", S.SUSPENDED: "6",
}
# OECD DAC 5-digit purpose codes (IATI sector vocabulary 1)
SECTOR = {
    Category.DRINKING_WATER: "14030", Category.SEWERAGE: "14022", Category.ELECTRICITY: "23630",
    Category.GAS: "23640", Category.ROAD: "21020", Category.SCHOOL: "11120",
    Category.HEALTH_POST: "12230", Category.IRRIGATION: "31140",
    Category.PUBLIC_SPACE: "43030",
}
# IATI OrganisationType codelist: 10 government, 15 other public sector, 22 national NGO,
# 70 private sector
ORG_TYPE = {FunderKind.MAHALLA: "15", FunderKind.DISTRICT: "10", FunderKind.REGION: "10",
            FunderKind.NATIONAL: "10", FunderKind.SPONSOR: "70", ASSOCIATION_ROLE: "22"}
# IATI TransactionType codelist: 1 incoming funds, 2 outgoing commitment, 3 disbursement
TRANSACTION_TYPE = {EntryKind.RECEIPT: "1", EntryKind.REFUND: "1", EntryKind.RESERVATION: "2",
                    EntryKind.DISBURSEMENT: "3", EntryKind.CLAWBACK: "3"}


def _narrative(parent, text: str):
    etree.SubElement(parent, "narrative").text = xml_safe(text)
    return parent


def _org(parent, tag: str, name: str, **attrs):
    return _narrative(etree.SubElement(parent, tag, {k.replace("_", "-"): xml_safe(v)
                                                     for k, v in attrs.items() if v}), name)


def reporting_org() -> dict:
    return {"ref": settings.IATI_REPORTING_ORG_REF, "type": settings.IATI_REPORTING_ORG_TYPE,
            "name": settings.IATI_REPORTING_ORG_NAME}


def activity(project: Project, org: dict) -> etree._Element:
    """The `iati-activity` of one project (its `ledger` prefetched, see `projects()`)."""
    el = etree.Element("iati-activity", {
        "default-currency": project.currency, "hierarchy": "1",
        "last-updated-datetime": project.updated_at.replace(microsecond=0).isoformat(),
        "{http://www.w3.org/XML/1998/namespace}lang": "en"})
    etree.SubElement(el, "iati-identifier").text = f"{org['ref']}-{project.code}"
    _org(el, "reporting-org", org["name"], ref=org["ref"], type=org["type"])
    _narrative(etree.SubElement(el, "title"), project.title)
    _narrative(etree.SubElement(el, "description"), project.description or project.title)
    _org(el, "participating-org", project.association.name, role="1",
         type=ORG_TYPE[ASSOCIATION_ROLE])
    for funder in {e.commitment.funder for e in project.ledger.all()
                   if e.commitment_id and e.commitment.funder_id}:
        _org(el, "participating-org", funder.name, role="1", type=ORG_TYPE.get(funder.kind))
    _org(el, "participating-org", org["name"], role="2", ref=org["ref"], type=org["type"])
    if project.executor:
        _org(el, "participating-org", project.executor, role="4")
    etree.SubElement(el, "activity-status", code=STATUS.get(project.status, "1"))
    started = timezone.localdate(project.submitted_at or project.created_at)
    etree.SubElement(el, "activity-date", type="1", **{"iso-date": started.isoformat()})
    if project.deadline:
        etree.SubElement(el, "activity-date", type="3",
                         **{"iso-date": project.deadline.isoformat()})
    country = project.mahalla.district.region.country
    etree.SubElement(el, "recipient-country", code=country.code)
    location = etree.SubElement(el, "location")
    _narrative(etree.SubElement(location, "name"), ", ".join(
        [project.mahalla.name, project.mahalla.district.name, project.mahalla.district.region.name]))
    etree.SubElement(el, "sector", vocabulary="1", code=SECTOR.get(project.category, "43030"))
    for entry in project.ledger.all():
        _transaction(el, project, entry)
    return el


def value_date(entry: LedgerEntry):
    """IATI's value-date, the day that fixes the value (and the rate): the day a receipt's
    money arrived (its refund's too: it is converted at the receipt's rate), the day a
    disbursement was paid; else the day the entry was booked."""
    if entry.value_date:
        return entry.value_date
    if entry.receipt_id:  # entries booked before value dates were kept
        return entry.receipt.received_on
    return timezone.localdate(entry.created_at)


def _transaction(parent, project: Project, entry: LedgerEntry) -> None:
    booked = timezone.localdate(entry.created_at).isoformat()
    tx = etree.SubElement(parent, "transaction")
    etree.SubElement(tx, "transaction-type", code=TRANSACTION_TYPE[entry.kind])
    etree.SubElement(tx, "transaction-date", **{"iso-date": booked})
    etree.SubElement(tx, "value", **{"value-date": value_date(entry).isoformat()}).text = \
        format(entry.amount, "f")
    if entry.role == ASSOCIATION_ROLE:
        provider, kind = project.association.name, ORG_TYPE[ASSOCIATION_ROLE]
    else:
        funder = entry.commitment.funder if entry.commitment_id else None
        provider = funder.name if funder else entry.role
        kind = ORG_TYPE.get(entry.role)
    _org(tx, "provider-org", provider, type=kind)
    if entry.kind in (EntryKind.DISBURSEMENT, EntryKind.CLAWBACK) and project.executor:
        _org(tx, "receiver-org", project.executor)


def projects(queryset):
    """The projects to publish, with what `activity()` reads, in a few queries per chunk."""
    entries = (LedgerEntry.objects.filter(kind__in=list(TRANSACTION_TYPE))
               .select_related("commitment__funder", "receipt").order_by("id"))
    return (queryset.exclude(status__in=UNSUBMITTED_STATES)
            .select_related("association", "mahalla__district__region__country")
            .prefetch_related(Prefetch("ledger", queryset=entries)).order_by("id"))


def write(queryset, out, progress=NO_PROGRESS) -> None:
    """Write the IATI document of `queryset`'s projects to the binary file `out`, counting
    the projects written on `progress` (a job's, which may be cancelled between chunks)."""
    org = reporting_org()
    progress.step("exporting", total=projects(queryset).count() if progress.job_id else None)
    generated = timezone.now().replace(microsecond=0).isoformat()
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("iati-activities", version=VERSION,
                        **{"generated-datetime": generated}):
            for project in progress.rows(projects(queryset).iterator(chunk_size=CHUNK),
                                         chunk=CHUNK):
                xf.write(activity(project, org))
