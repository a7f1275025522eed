"""Random sequences of pledges, receipts, approvals, disbursements, refunds, reversals and
cancellations; after every step the money must still add up."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (Bundle, RuleBasedStateMachine, consumes, invariant, rule,
                                 run_state_machine_as_test)

from matching import ledger
from matching import models as m
from matching import services
from matching.errors import ServiceError

TODAY = datetime.date.today()
amounts = st.integers(min_value=1, max_value=30_000_000).map(lambda n: Decimal(n))
CLOSED = []  # projects the machine closed, across its runs: the rule must have run


class MoneyMachine(RuleBasedStateMachine):
    projects = Bundle("projects")
    receipts = Bundle("receipts")

    def __init__(self, world):
        super().__init__()
        self.world = world
        # every run starts from the same world: a savepoint rolled back in teardown
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        m.BudgetEnvelope.objects.filter(pk=world.envelope_a.pk).update(
            amount=Decimal("60000000.00"))
        m.ExchangeRate.objects.create(currency="RUB", quote_currency="UZS", on=TODAY,
                                      rate=Decimal("151.40"))
        self.n = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    def attempt(self, work):
        """Services either do all of their work or none; refusals are part of the game."""
        try:
            return work()
        except ServiceError:
            return None

    @rule(target=projects, cost=st.integers(min_value=2, max_value=80_000_000))
    def approve_a_project(self, cost):
        self.n += 1
        project = self.world.submitted(cost=f"{cost}.00", title=f"Project {self.n}")
        services.project_review_start(project=project, actor=self.world.bob)
        self.attempt(lambda: services.project_approve(project=project, actor=self.world.bob,
                                                      reason="ok"))
        return project

    @rule(project=projects, amount=amounts)
    def pledge(self, project, amount):
        self.attempt(lambda: services.pledge_create(project=project, actor=self.world.migrant,
                                                    amount=amount, currency="RUB",
                                                    expected_on=TODAY))

    @rule(target=receipts, project=projects, amount=amounts, in_rubles=st.booleans())
    def receive(self, project, amount, in_rubles):
        self.n += 1
        receipt = self.attempt(lambda: services.receipt_record(
            project=project, actor=self.world.alice, currency="RUB" if in_rubles else "UZS",
            amount=(amount / 100).quantize(Decimal("0.01")) if in_rubles else amount,
            received_on=TODAY, reference=f"R{self.n}", fee=Decimal("1.00")))
        return receipt

    @rule(project=projects, share=st.sampled_from([Decimal("0.5"), Decimal("1")]))
    def disburse(self, project, share):
        tranche = (m.Tranche.objects.filter(commitment__project=project, paid_on__isnull=True)
                   .order_by("number", "commitment__position").first())
        if tranche is None:
            return
        evidence = self.attempt(lambda: services.evidence_add(
            project=project, actor=self.world.alice, kind="photo",
            file=SimpleUploadedFile("w.pdf", b"%PDF-1.4 evidence")))
        amount = ((tranche.amount - tranche.disbursed) * share).quantize(Decimal("0.01"))
        self.attempt(lambda: services.tranche_disburse(tranche=tranche, actor=self.world.bob,
                                                       evidence=evidence, amount=amount))

    @rule(project=projects)
    def claw_back(self, project):
        tranche = m.Tranche.objects.filter(commitment__project=project, disbursed__gt=0).first()
        evidence = m.Evidence.objects.filter(project=project).first()
        if tranche:
            self.attempt(lambda: services.clawback_record(
                tranche=tranche, actor=self.world.bob, amount=tranche.disbursed,
                reason="Works not executed", evidence=evidence))

    @rule(receipt=consumes(receipts), refund=st.booleans())
    def undo(self, receipt, refund):
        if receipt is None:
            return
        undo = services.receipt_refund if refund else services.receipt_reverse
        self.attempt(lambda: undo(receipt=receipt, actor=self.world.bob, reason="undo"))

    @rule(project=consumes(projects))
    def finish_and_close(self, project):
        """The association's share comes in whole, the works start, are handed over and
        completed, and the project is closed: what was not disbursed goes back."""
        share = m.Commitment.objects.filter(project=project, role="association").first()
        project.refresh_from_db()
        if share is not None and share.target > project.received:
            self.n += 1
            self.attempt(lambda: services.receipt_record(
                project=project, actor=self.world.alice, currency="UZS",
                amount=share.target - project.received, received_on=TODAY,
                reference=f"R{self.n}"))
        self.attempt(lambda: self.world.start_works(project))
        self.attempt(lambda: self.world.evidence(project, "handover_act"))
        self.attempt(lambda: services.project_complete(project=project, actor=self.world.bob))
        closed = self.attempt(lambda: services.project_close(project=project,
                                                             actor=self.world.bob))
        if closed is not None:
            CLOSED.append(project.pk)
            for c in m.Commitment.objects.filter(project=project).exclude(role="association"):
                assert c.reserved == c.disbursed == c.matched

    @rule(project=consumes(projects))
    def cancel(self, project):
        self.attempt(lambda: services.project_cancel(project=project, actor=self.world.bob,
                                                     reason="Cancelled by the committee"))

    @invariant()
    def the_money_adds_up(self):
        assert ledger.verify() == []
        assert not m.BudgetEnvelope.objects.filter(reserved__gt=F("amount")).exists()
        assert not m.Commitment.objects.filter(matched__gt=F("target")).exists()
        assert not m.Commitment.objects.filter(disbursed__gt=F("matched")).exists()
        # the association never pays out more than the money that actually arrived
        for project in m.Project.objects.all():
            paid = (m.Commitment.objects.filter(project=project, role="association")
                    .aggregate(s=Sum("disbursed"))["s"] or 0)
            assert project.received >= paid
            district = m.Commitment.objects.filter(project=project, role="district").first()
            if district:  # a match never exceeds the association's effective contribution
                assert district.matched <= project.received


def test_random_money_flows_keep_the_ledger_balanced(world):
    CLOSED.clear()
    run_state_machine_as_test(
        lambda: MoneyMachine(world),
        settings=settings(max_examples=12, stateful_step_count=10, deadline=None,
                          suppress_health_check=list(HealthCheck)))
    assert CLOSED, "no run closed a project: the closing rule was never exercised"
