"""Random sequences of pledges, receipts, approvals, disbursements, refunds, reversals and
cancellations; after every step the money must still add up and every match must stay within
the rule (DOMAIN "Match rules": a co-funder owes at most R_eff × its weight / the
association's weight). Refusals are part of the game, but the run counts what succeeded and
fails if some rule never did: a machine whose every step is refused proves nothing."""

import datetime
from decimal import ROUND_DOWN, Decimal

from collections import Counter, defaultdict

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db import connection
from django.db.models import Count, F, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (Bundle, RuleBasedStateMachine, consumes, invariant,
                                 precondition, rule, run_state_machine_as_test)

from matching import currencies, ledger, regional_totals
from matching import models as m
from matching import services
from matching.errors import ServiceError
from matching.querysets import UNSUBMITTED_STATES
from matching.reports.common import Filters
from matching.reports.regional import regional_report

SUCCEEDED: Counter = Counter()
REFUSED: dict[str, Counter] = {}
RULES = ("approve_a_project", "pledge", "receive", "confirm", "disburse", "claw_back", "undo",
         "cancel", "close")

TODAY = datetime.date.today()
amounts = st.integers(min_value=1, max_value=30_000_000).map(lambda n: Decimal(n))


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
        self.created = 0
        self.cancelled = False

    def teardown(self):
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    def attempt(self, rule: str, work):
        """Services either do all of their work or none; refusals are part of the game, and
        what succeeded is counted."""
        try:
            done = work()
        except ServiceError as error:
            REFUSED.setdefault(rule, Counter())[error.code] += 1
            return None
        SUCCEEDED[rule] += 1
        return done

    # a few projects per run, so that most steps move their money
    @precondition(lambda self: self.created < 3)
    @rule(target=projects, cost=st.integers(min_value=2, max_value=80_000_000))
    def approve_a_project(self, cost):
        self.created += 1
        self.n += 1
        project = self.world.submitted(cost=f"{cost}.00", title=f"Project {self.n}")
        services.project_review_start(project=project, actor=self.world.bob)
        self.attempt("approve_a_project", lambda: services.project_approve(
            project=project, actor=self.world.bob, reason="ok"))
        return project

    @rule(project=projects, amount=amounts)
    def pledge(self, project, amount):
        self.attempt("pledge", lambda: services.pledge_create(project=project, actor=self.world.migrant,
                                                    amount=amount, currency="RUB",
                                                    expected_on=TODAY))

    @rule(target=receipts, project=projects, amount=amounts, in_rubles=st.booleans())
    def receive(self, project, amount, in_rubles):
        self.n += 1
        receipt = self.attempt("receive", lambda: services.receipt_record(
            project=project, actor=self.world.alice, currency="RUB" if in_rubles else "UZS",
            amount=(amount / 100).quantize(Decimal("0.01")) if in_rubles else amount,
            received_on=TODAY, reference=f"R{self.n}", fee=Decimal("0.01")))
        return receipt

    @rule(receipt=receipts)
    def confirm(self, receipt):
        """A receipt held for being far beyond its project's cost, confirmed by the officer
        (not its recorder): only then does it count."""
        if receipt is not None and m.Receipt.objects.filter(pk=receipt.pk, status="held").exists():
            self.attempt("confirm", lambda: services.receipt_confirm(receipt=receipt,
                                                                     actor=self.world.bob))

    @staticmethod
    def _payable(project):
        return (m.Tranche.objects.filter(commitment__project=project, paid_on__isnull=True,
                                         commitment__matched__gt=F("commitment__disbursed"))
                .select_related("commitment").order_by("number", "commitment__position")
                .first())

    @rule(project=projects, share=st.sampled_from([Decimal("0.5"), Decimal("1")]))
    def disburse(self, project, share):
        # a tranche of a party that has matched more than it paid: what may be paid now; where
        # nothing has arrived yet, money arrives first, so that the step pays something
        tranche = self._payable(project)
        if tranche is None:
            self.receive(project, Decimal("5000000"), in_rubles=False)
            tranche = self._payable(project)
        if tranche is None:
            return
        evidence = self.attempt("evidence", lambda: services.evidence_add(
            project=project, actor=self.world.alice, kind="photo",
            file=SimpleUploadedFile("w.pdf", b"%PDF-1.4 evidence")))
        room = min(tranche.amount - tranche.disbursed,
                   tranche.commitment.matched - tranche.commitment.disbursed)
        amount = max((room * share).quantize(Decimal("0.01"), rounding=ROUND_DOWN),
                     Decimal("0.01"))
        self.attempt("disburse", lambda: services.tranche_disburse(
            tranche=tranche, actor=self.world.bob, evidence=evidence, amount=amount))

    @rule(project=projects)
    def claw_back(self, project):
        tranche = m.Tranche.objects.filter(commitment__project=project, disbursed__gt=0).first()
        evidence = m.Evidence.objects.filter(project=project).first()
        if tranche:
            self.attempt("claw_back", lambda: services.clawback_record(
                tranche=tranche, actor=self.world.bob, amount=tranche.disbursed,
                reason="Works not executed", evidence=evidence))

    @rule(refund=st.booleans(), newest=st.booleans())
    def undo(self, refund, newest):
        """Refund or reverse a receipt that counts (the newest or the oldest one)."""
        receipt = (m.Receipt.objects.filter(status="recorded")
                   .order_by("-id" if newest else "id").first())
        if receipt is None:
            return
        undo = services.receipt_refund if refund else services.receipt_reverse
        # an officer who did not record it (the clerk did)
        self.attempt("undo", lambda: undo(receipt=receipt, actor=self.world.bob, reason="undo"))

    @precondition(lambda self: self.created >= 3)
    @rule(project=consumes(projects))
    def finish_and_close(self, project):
        """The association's share comes in whole, the works start under a contract, the
        oversight committee signs the handover and the clerk completes; the officer closes:
        what was reserved and not disbursed goes back to the envelope."""
        share = m.Commitment.objects.filter(project=project, role="association").first()
        project.refresh_from_db()
        if share is not None and share.target > project.received:
            self.n += 1
            self.attempt("receive", lambda: services.receipt_record(
                project=project, actor=self.world.alice, currency="UZS",
                amount=share.target - project.received, received_on=TODAY,
                reference=f"R{self.n}"))
        if self.attempt("start", lambda: self.world.start_works(project)) is None:
            return
        self.world.signed_off(project)
        self.attempt("complete", lambda: services.project_complete(
            project=project, actor=self.world.alice, reason="Handed over.",
            handover_act=SimpleUploadedFile("act.pdf", b"%PDF-1.4 act")))
        closed = self.attempt("close", lambda: services.project_close(
            project=project, actor=self.world.bob, reason="Accounts settled."))
        if closed is not None:
            for c in m.Commitment.objects.filter(project=project).exclude(role="association"):
                assert c.reserved == c.disbursed == c.matched, (c.role, c.reserved, c.disbursed,
                                                                c.matched)

    # one cancellation per run, once its projects exist: the others keep moving money
    @precondition(lambda self: self.created >= 3 and not self.cancelled)
    @rule(project=projects)
    def cancel(self, project):
        self.cancelled = True
        self.attempt("cancel", lambda: services.project_cancel(
            project=project, actor=self.world.bob, reason="Cancelled by the committee"))

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

    @invariant()
    def the_regional_report_adds_up_the_ledger(self):
        """The summary rows, folded as a commit would fold them, give the regional report the
        figures a recomputation from the ledger's entries (and the pledges) gives, per
        district: projects, money received, matched and paid out, per party, and pledged."""
        regional_totals.fold_now()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM matching_regionalpending")
            assert cursor.fetchone()[0] == 0
        rows = {r["id"]: r for r in regional_report(Filters()).table("districts").rows}
        programme = m.Project.objects.exclude(status__in=UNSUBMITTED_STATES)
        expected: dict[int, dict] = defaultdict(lambda: defaultdict(Decimal))
        for e in (m.LedgerEntry.objects.filter(project__in=programme)
                  .values("project__mahalla__district", "kind", "role")
                  .annotate(total=Sum("amount"))):
            figures, role, total = expected[e["project__mahalla__district"]], e["role"], \
                e["total"]
            if e["kind"] in ledger.RECEIVED_KINDS:
                figures["received"] += total
            elif e["kind"] == m.EntryKind.MATCH:
                figures[f"matched_{role}"] += total
                if role != m.ASSOCIATION_ROLE:
                    figures["matched"] += total
            elif e["kind"] in ledger.DISBURSED_KINDS:
                figures["disbursed"] += total
                figures[f"disbursed_{role}"] += total
        for p in (m.Pledge.objects.filter(project__in=programme, status="announced")
                  .values("project__mahalla__district", "currency")
                  .annotate(total=Sum("amount"))):
            expected[p["project__mahalla__district"]][f"pledged_{p['currency']}"] += p["total"]
        for p in programme.values("mahalla__district").annotate(n=Count("id")):
            expected[p["mahalla__district"]]["projects"] = p["n"]
        for district, row in rows.items():
            for name in ("projects", "received", "matched", "disbursed"):
                assert row[name] == expected[district][name], (district, name)
            for name, value in expected[district].items():
                assert row.get(name, 0) == value, (district, name, row.get(name), value)

    @invariant()
    def every_match_is_within_the_rule(self):
        """matched ≤ R_eff × weight / association weight, R_eff = min(received, target)."""
        for commitment in (m.Commitment.objects.exclude(role=m.ASSOCIATION_ROLE)
                           .select_related("project", "scheme_version")):
            project = commitment.project
            association = m.Commitment.objects.get(project=project, role=m.ASSOCIATION_ROLE)
            weights = _weights(commitment.scheme_version.rules, project.category)
            effective = min(project.received, association.target)
            bound = currencies.quantize(
                effective * weights[commitment.role] / weights[m.ASSOCIATION_ROLE],
                project.currency, rounding=ROUND_DOWN) if effective > 0 else Decimal("0")
            assert commitment.matched <= bound, (project.code, commitment.role,
                                                 commitment.matched, bound)


def _weights(rules: dict, category: str) -> dict[str, Decimal]:
    return {party["role"]: Decimal(str((party.get("category_weights") or {}).get(
        category, party["weight"]))) for party in rules["parties"]}


def test_random_money_flows_keep_the_ledger_balanced(world):
    SUCCEEDED.clear()
    REFUSED.clear()
    run_state_machine_as_test(
        lambda: MoneyMachine(world),
        settings=settings(max_examples=10, stateful_step_count=30, deadline=None,
                          derandomize=True, database=None,
                          suppress_health_check=list(HealthCheck)))
    never = [rule for rule in RULES if not SUCCEEDED[rule]]
    assert not never, (f"never succeeded: {never} (succeeded: {dict(SUCCEEDED)}; refused: "
                       f"{ {rule: dict(counts) for rule, counts in REFUSED.items()} })")
