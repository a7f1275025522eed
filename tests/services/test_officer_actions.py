"""The officer's other actions: conditions met, close with the final accounting, clawbacks,
refunds and reversals, starting the works, pledge withdrawal, suspend/resume/cancel."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from matching import ledger
from matching import models as m
from matching import services
from matching.errors import Forbidden, InvalidInput, NotAllowed

from .officer_helpers import capped, committee, in_review, last_actor

S = m.ProjectStatus
D = Decimal
TODAY = datetime.date.today()


def conditional(world):
    project = in_review(world)
    services.project_approve(project=project, actor=world.bob, reason="ok",
                             conditions="Show the land title")
    return project


def completed(world, *, receive="20000000.00", pay_first_tranches=True):
    """Approved, funded, started, first tranches paid, handed over and completed."""
    project = world.approved()
    world.receipt(project, receive)
    world.start_works(project)
    photo = world.evidence(project, "photo")
    if pay_first_tranches:
        for tranche in m.Tranche.objects.filter(commitment__project=project, number=1):
            services.tranche_disburse(tranche=tranche, actor=world.bob, evidence=photo)
    world.evidence(project, "handover_act")
    world.signed_off(project)
    services.project_complete(project=project, actor=world.clerk_of(project))
    project.refresh_from_db()
    return project


# --- conditions met --------------------------------------------------------------------------

def test_conditions_met_on_evidence_go_on_to_funding(world):
    project = conditional(world)
    title = world.evidence(project, "other")
    services.project_conditions_met(project=project, actor=world.bob, reason="Title seen",
                                    evidence=title)
    project.refresh_from_db()
    change = project.timeline.get(from_status=S.CONDITIONALLY_APPROVED)
    assert project.status == S.FUNDING
    assert (change.to_status, change.evidence, change.actor, change.reason) == (
        S.FUNDING, title, world.bob, "Title seen")
    assert last_actor(project) == world.bob.pk


def test_a_conditional_approval_disburses_nothing(world):
    project = conditional(world)
    world.receipt(project, "20000000.00")
    tranche = m.Tranche.objects.filter(commitment__project=project, commitment__role="district")\
        .first()
    with pytest.raises(NotAllowed, match="nothing can be disbursed"):
        services.tranche_disburse(tranche=tranche, actor=world.bob,
                                  evidence=world.evidence(project))
    assert m.Tranche.objects.get(pk=tranche.pk).disbursed == 0


@pytest.mark.parametrize("case", ["no evidence", "evidence of another project", "no reason"])
def test_conditions_met_needs_its_evidence_and_a_reason(world, case):
    project = conditional(world)
    other = world.approved(title="Other")
    evidence = {"no evidence": None, "no reason": world.evidence(project),
                "evidence of another project": world.evidence(other)}[case]
    before = project.timeline.count()
    with pytest.raises(InvalidInput) as caught:
        services.project_conditions_met(project=project, actor=world.bob, evidence=evidence,
                                        reason="" if case == "no reason" else "Seen")
    assert caught.value.field == ("reason" if case == "no reason" else "evidence")
    project.refresh_from_db()
    assert project.status == S.CONDITIONALLY_APPROVED and project.timeline.count() == before


def test_conditions_met_only_on_a_conditional_approval_and_by_its_officers(world):
    project = conditional(world)
    evidence = world.evidence(project)
    for person in (world.dave, world.alice, world.migrant):
        with pytest.raises(Forbidden):
            services.project_conditions_met(project=project, actor=person, reason="x",
                                            evidence=evidence)
    plain = world.approved(title="Plain")
    with pytest.raises(NotAllowed, match="Only a conditionally approved"):
        services.project_conditions_met(project=plain, actor=world.bob, reason="x",
                                        evidence=world.evidence(plain))


# --- closing ---------------------------------------------------------------------------------

def test_closing_releases_what_was_not_disbursed_and_brings_matches_down(world):
    project = completed(world)
    district = project.commitments.get(role="district")
    assert (district.reserved, district.matched, district.disbursed) == (
        D("20000000.00"), D("20000000.00"), D("8000000.00"))
    before = services.final_accounting(project)
    assert not before.closed and before.released == D("12000000.00")

    services.project_close(project=project, actor=world.bob, reason="Works accepted")
    project.refresh_from_db()
    district.refresh_from_db()
    world.envelope_a.refresh_from_db()
    assert project.status == S.CLOSED
    assert (district.reserved, district.matched, district.disbursed) == (D("8000000.00"),) * 3
    assert world.envelope_a.reserved == D("8000000.00") == world.envelope_a.disbursed
    release = m.LedgerEntry.objects.get(project=project, kind="reservation", amount__lt=0)
    assert (release.amount, release.memo, release.commitment, release.envelope) == (
        D("-12000000.00"), "Released at closure", district, world.envelope_a)
    association = project.commitments.get(role="association")
    assert association.matched == association.disbursed == D("8000000.00")
    after = services.final_accounting(project)
    assert after.closed and after.released == D("12000000.00")
    assert (after.received, after.unspent) == (D("20000000.00"), D("12000000.00"))
    lines = {line.role: line for line in after.lines}
    assert (lines["district"].committed, lines["district"].disbursed,
            lines["district"].released) == (D("20000000.00"), D("8000000.00"),
                                            D("12000000.00"))
    assert project.timeline.latest("id").reason == "Works accepted"
    assert last_actor(project) == world.bob.pk
    assert ledger.verify() == []


def test_a_second_close_changes_nothing(world):
    project = completed(world)
    services.project_close(project=project, actor=world.bob)
    entries = m.LedgerEntry.objects.count()
    with pytest.raises(NotAllowed, match="cannot become"):
        services.project_close(project=project, actor=world.bob)
    assert m.LedgerEntry.objects.count() == entries
    assert project.timeline.filter(to_status=S.CLOSED).count() == 1


def test_only_a_completed_project_closes_and_only_its_officers_close_it(world):
    project = world.approved()
    with pytest.raises(NotAllowed, match="cannot become"):
        services.project_close(project=project, actor=world.bob)
    done = completed(world)
    for person in (world.dave, world.alice, world.migrant, world.auditor):
        with pytest.raises(Forbidden):
            services.project_close(project=done, actor=person)
    assert not m.LedgerEntry.objects.filter(kind="reservation", amount__lt=0).exists()


def test_closing_releases_a_top_up_too(world):
    capped(world)
    funder = committee(world)
    project = in_review(world)
    services.top_up_offer(project=project, actor=world.bob, funder=funder,
                          amount="5000000.00", reason="Committee letter")
    services.project_approve(project=project, actor=world.bob, reason="Covered")
    world.receipt(project, "20000000.00")
    world.start_works(project)
    world.evidence(project, "handover_act")
    world.signed_off(project)
    services.project_complete(project=project, actor=world.clerk_of(project))
    services.project_close(project=project, actor=world.bob)
    envelope = m.BudgetEnvelope.objects.get(funder=funder)
    assert envelope.reserved == 0  # nothing was paid from it: all released
    assert ledger.verify() == []


# --- clawbacks -------------------------------------------------------------------------------

def test_a_clawback_needs_evidence_and_can_be_paid_again(world):
    project = world.approved()
    world.receipt(project, "20000000.00")
    tranche = project.commitments.get(role="district").tranches.get(number=1)
    photo = world.evidence(project)
    services.tranche_disburse(tranche=tranche, actor=world.bob, evidence=photo)
    with pytest.raises(InvalidInput) as caught:
        services.clawback_record(tranche=tranche, actor=world.bob, amount="1000.00",
                                 reason="Inflated", evidence=None)
    assert caught.value.field == "evidence"
    finding = world.evidence(project, "other")
    services.clawback_record(tranche=tranche, actor=world.bob, amount="3000000.00",
                             reason="300 m of pipe never laid", evidence=finding)
    entry = m.LedgerEntry.objects.get(kind="clawback")
    assert (entry.amount, entry.evidence, entry.memo) == (
        D("-3000000.00"), finding, "300 m of pipe never laid")
    tranche.refresh_from_db()
    assert tranche.disbursed == D("5000000.00") and tranche.paid_on is None
    assert last_actor(tranche) == world.bob.pk
    assert ledger.verify() == []


@pytest.mark.parametrize("amount, reason, field", [
    ("8000000.01", "too much", "amount"), ("0", "nothing", "amount"), ("100", " ", "reason")])
def test_bad_clawbacks_are_refused_with_their_field(world, amount, reason, field):
    project = world.approved()
    world.receipt(project, "20000000.00")
    tranche = project.commitments.get(role="district").tranches.get(number=1)
    services.tranche_disburse(tranche=tranche, actor=world.bob, evidence=world.evidence(project))
    with pytest.raises(InvalidInput) as caught:
        services.clawback_record(tranche=tranche, actor=world.bob, amount=amount,
                                 reason=reason, evidence=world.evidence(project))
    assert caught.value.field == field
    assert not m.LedgerEntry.objects.filter(kind="clawback").exists()


def test_a_closed_project_takes_a_clawback_and_its_accounts_stay_settled(world):
    project = completed(world)
    services.project_close(project=project, actor=world.bob)
    tranche = project.commitments.get(role="district").tranches.get(number=1)
    services.clawback_record(tranche=tranche, actor=world.bob, amount="2000000.00",
                             reason="Audit: roof area inflated",
                             evidence=world.evidence(project, "other"))
    district = project.commitments.get(role="district")
    world.envelope_a.refresh_from_db()
    assert (district.reserved, district.matched, district.disbursed) == (D("6000000.00"),) * 3
    assert world.envelope_a.reserved == world.envelope_a.disbursed == D("6000000.00")
    project.refresh_from_db()
    assert services.final_accounting(project).released == D("14000000.00")
    assert ledger.verify() == []


def test_a_cancelled_project_takes_no_clawback(world):
    project = world.approved()
    world.receipt(project, "20000000.00")
    tranche = project.commitments.get(role="district").tranches.get(number=1)
    services.tranche_disburse(tranche=tranche, actor=world.bob, evidence=world.evidence(project))
    services.project_cancel(project=project, actor=world.bob, reason="Flooded")
    with pytest.raises(NotAllowed, match="nothing can be clawed back"):
        services.clawback_record(tranche=tranche, actor=world.bob, amount="1.00",
                                 reason="x", evidence=world.evidence(project))


# --- refunds and reversals -------------------------------------------------------------------

@pytest.mark.parametrize("undo", ["receipt_refund", "receipt_reverse"])
def test_an_officer_who_did_not_record_it_refunds_or_reverses_a_receipt(world, undo):
    project = world.approved()
    receipt = world.receipt(project, "6000000.00")
    getattr(services, undo)(receipt=receipt, actor=world.bob, reason="Asked back")
    project.refresh_from_db()
    assert project.received == 0 and project.matched == 0
    assert last_actor(receipt) == world.bob.pk
    assert ledger.verify() == []


@pytest.mark.parametrize("undo", ["receipt_refund", "receipt_reverse"])
def test_clerks_and_other_districts_may_not_undo_a_receipt(world, undo):
    project = world.approved()
    receipt = world.receipt(project, "6000000.00")
    for person in (world.alice, world.dave, world.migrant):
        with pytest.raises(Forbidden):
            getattr(services, undo)(receipt=receipt, actor=person, reason="x")
    assert m.Receipt.objects.get(pk=receipt.pk).status == m.ReceiptStatus.RECORDED


def test_the_recorder_of_a_receipt_may_not_undo_it(world):
    project = world.approved()
    world.bob.mahallas.add(world.mahalla_a)
    m.User.objects.filter(pk=world.bob.pk).update(role=m.Role.CLERK)
    world.bob.refresh_from_db()
    receipt = services.receipt_record(project=project, actor=world.bob, amount=D("100.00"),
                                      currency="UZS", received_on=TODAY, reference="BOB-1")
    m.User.objects.filter(pk=world.bob.pk).update(role=m.Role.OFFICER)
    world.bob.refresh_from_db()
    with pytest.raises(NotAllowed, match="another officer must refund or reverse"):
        services.receipt_refund(receipt=receipt, actor=world.bob, reason="x")
    services.receipt_refund(receipt=receipt, actor=world.erin, reason="Sent back")


def test_an_undo_needs_a_reason(world):
    receipt = world.receipt(world.approved(), "100.00")
    with pytest.raises(InvalidInput) as caught:
        services.receipt_refund(receipt=receipt, actor=world.bob, reason="  ")
    assert caught.value.field == "reason"
    assert m.Receipt.objects.get(pk=receipt.pk).status == m.ReceiptStatus.RECORDED


# --- starting the works ----------------------------------------------------------------------

def _funded(world):
    project = world.approved()
    world.receipt(project, "20000000.00")
    project.refresh_from_db()
    return project


def contract_pdf():
    return SimpleUploadedFile("contract.pdf", b"%PDF-1.4 contract", content_type="application/pdf")


@pytest.mark.parametrize("who", ["bob", "alice"])
def test_the_works_start_under_a_recorded_contract(world, who):
    project = _funded(world)
    contract = services.project_start(
        project=project, actor=getattr(world, who), executor="Chirchiq Suv Qurilish",
        executor_kind="contractor", amount="39500000.00", signed_on=TODAY,
        document=contract_pdf())
    project.refresh_from_db()
    assert project.status == S.IN_PROGRESS and project.executor == "Chirchiq Suv Qurilish"
    assert (contract.amount, contract.signed_on, contract.recorded_by) == (
        D("39500000.00"), TODAY, getattr(world, who))
    assert contract.document.name.startswith(f"contracts/{project.pk}/")
    assert last_actor(contract) == getattr(world, who).pk


@pytest.mark.parametrize("change, field", [
    ({"executor": " "}, "executor"), ({"executor_kind": "cousin"}, "executor_kind"),
    ({"amount": "0"}, "amount"), ({"amount": "1.001"}, "amount"),
    ({"signed_on": None}, "signed_on"),
    ({"signed_on": TODAY + datetime.timedelta(days=1)}, "signed_on"),
    ({"document": None}, "document"),
    ({"document": SimpleUploadedFile("c.exe", b"MZ\x90\x00")}, "document"),
])
def test_a_bad_contract_is_refused_with_its_field_and_nothing_is_kept(world, settings, change,
                                                                      field):
    project = _funded(world)
    data = {"executor": "Chirchiq Suv Qurilish", "executor_kind": "contractor",
            "amount": "39500000.00", "signed_on": TODAY, "document": contract_pdf(), **change}
    with pytest.raises(InvalidInput) as caught:
        services.project_start(project=project, actor=world.bob, **data)
    assert caught.value.field == field
    assert m.Project.objects.get(pk=project.pk).status == S.FUNDED
    assert not m.Contract.objects.exists()
    folder = settings.MEDIA_ROOT / "contracts"
    assert not folder.exists() or not any(folder.rglob("*"))


def test_works_start_only_when_funded_and_only_once(world):
    project = world.approved()
    with pytest.raises(NotAllowed, match="cannot become"):
        world.start_works(project)
    project = _funded(world)
    world.start_works(project)
    with pytest.raises(NotAllowed, match="cannot become"):
        world.start_works(project)
    with pytest.raises(Forbidden):
        world.start_works(_funded(world), actor=world.dave)
    assert m.Contract.objects.count() == 1


# --- pledges, suspend, resume ------------------------------------------------------------------

@pytest.mark.parametrize("who", ["alice", "migrant"])
def test_a_withdrawn_pledge_stays_on_record(world, who):
    project = world.submitted()
    pledge = services.pledge_create(project=project, actor=world.migrant, amount="250000.00",
                                    currency="RUB", expected_on=TODAY)
    services.pledge_withdraw(pledge=pledge, actor=getattr(world, who))
    pledge.refresh_from_db()
    assert (pledge.status, pledge.withdrawn_by) == (m.PledgeStatus.WITHDRAWN,
                                                     getattr(world, who))
    assert pledge.withdrawn_at is not None
    assert last_actor(pledge) == getattr(world, who).pk
    with pytest.raises(NotAllowed, match="already withdrawn"):
        services.pledge_withdraw(pledge=pledge, actor=getattr(world, who))
    assert m.Pledge.objects.filter(pk=pledge.pk).exists()


def test_others_may_not_withdraw_a_pledge(world):
    pledge = services.pledge_create(project=world.submitted(), actor=world.migrant,
                                    amount="250000.00", currency="RUB", expected_on=TODAY)
    for person in (world.stranger, world.charlie, world.bob, world.auditor):
        with pytest.raises(Forbidden):
            services.pledge_withdraw(pledge=pledge, actor=person)
    assert m.Pledge.objects.get(pk=pledge.pk).status == m.PledgeStatus.ANNOUNCED


@pytest.mark.parametrize("action", ["project_suspend", "project_resume", "project_cancel"])
def test_suspend_resume_and_cancel_need_a_reason(world, action):
    project = world.approved()
    if action == "project_resume":
        services.project_suspend(project=project, actor=world.bob, reason="Audit")
    before = m.Project.objects.get(pk=project.pk).status
    with pytest.raises(InvalidInput) as caught:
        getattr(services, action)(project=project, actor=world.bob, reason="")
    assert caught.value.field == "reason"
    assert m.Project.objects.get(pk=project.pk).status == before
