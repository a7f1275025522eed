"""The officers' work as endpoints, so that a district can script it: review, decisions (and
their confirmation by a second officer), conditions met, suspend, resume, cancel, top-ups,
start works, complete, close, disbursements and clawbacks; and the reads an association
needs about its projects: the match explanation, tranches, decisions, the final accounting.

Each endpoint goes through its service (role, scope, state, four eyes, locks); an object
outside the caller's scope answers 404 like a missing one; a refusal answers 400/403/409 with
the field it is about. POSTs that move money take an `Idempotency-Key`.
"""

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from ... import services
from ...models import EvidenceKind, PendingDecision, Project, TopUp, Tranche
from ...services.money import evidence_of, with_evidence
from ...web.explain import explain
from .. import idempotency
from ..base import Cursor, ScopedViewSet, ServiceCreateMixin
from ..schema import BAD_REQUEST, IDEMPOTENCY_REUSED, SERVICE_REFUSAL
from ..filters import DecisionFilter, TopUpFilter, TrancheFilter
from ..serializers.officers import (AccountingSerializer, ClawbackInputSerializer,
                                    ConditionsMetInputSerializer, DecisionInputSerializer,
                                    DisburseInputSerializer, MatchSerializer,
                                    NoteInputSerializer, PendingDecisionSerializer,
                                    ProjectStateSerializer, ReasonInputSerializer,
                                    StartInputSerializer, TopUpInputSerializer,
                                    TopUpSerializer, TrancheSerializer)

UPLOADS = [MultiPartParser, JSONParser]


def _given(view, serializer_class):
    given = serializer_class(data=view.request.data, context=view.get_serializer_context())
    given.is_valid(raise_exception=True)
    return given.validated_data


def acts(summary, request, responses=None, *, money=False):
    """The schema of an action: its input, what it answers, and every refusal it may give."""
    parameters = [idempotency.PARAMETER] if money else []
    answers = {200: ProjectStateSerializer, 400: BAD_REQUEST, 409: SERVICE_REFUSAL, **(responses or {})}
    if money:
        answers[422] = IDEMPOTENCY_REUSED
    return extend_schema(summary=summary, request=request, responses=answers,
                         parameters=parameters)


class ProjectActionViewSet(ScopedViewSet):
    """POST /projects/{id}/<action>/: the project's state after the action."""

    queryset = Project.objects.select_related("scheme", "association", "mahalla__district")
    filter_backends = []
    serializer_class = ProjectStateSerializer

    def _act(self, serializer_class, run) -> Response:
        project = self.get_object()
        run(project, _given(self, serializer_class))
        project.refresh_from_db()
        return Response(ProjectStateSerializer(project).data)

    @acts("Start the review (officers; not the submitter nor a receipt recorder)", None)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        project = self.get_object()
        services.project_review_start(project=project, actor=request.user)
        project.refresh_from_db()
        return Response(ProjectStateSerializer(project).data)

    @acts("Decide: approve, approve on conditions, defer or reject, with a reason. Above "
          "the scheme's threshold the decision waits for a second officer "
          "(`pending_decision`)", DecisionInputSerializer, money=True)
    @action(detail=True, methods=["post"])
    @idempotency.idempotent
    def decision(self, request, pk=None):
        return self._act(DecisionInputSerializer, lambda project, data: services.decision_record(
            project=project, actor=request.user, **data))

    @acts("Conditions met, on the evidence that meets them: the project goes on to funding",
          {"multipart/form-data": ConditionsMetInputSerializer,
           "application/json": ConditionsMetInputSerializer})
    @action(detail=True, methods=["post"], url_path="conditions-met", parser_classes=UPLOADS)
    def conditions_met(self, request, pk=None):
        return self._act(ConditionsMetInputSerializer, lambda project, data: with_evidence(
            project=project, actor=request.user, kind=EvidenceKind.OTHER, **evidence_of(data),
            work=lambda evidence: services.project_conditions_met(
                project=project, actor=request.user, reason=data["reason"],
                evidence=evidence)))

    @acts("Suspend, with a reason", ReasonInputSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._act(ReasonInputSerializer, lambda project, data: services.project_suspend(
            project=project, actor=request.user, reason=data["reason"]))

    @acts("Resume where it was, with a reason", ReasonInputSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._act(ReasonInputSerializer, lambda project, data: services.project_resume(
            project=project, actor=request.user, reason=data["reason"]))

    @acts("Cancel, with a reason: reservations released, unspent money refunded",
          ReasonInputSerializer, money=True)
    @action(detail=True, methods=["post"])
    @idempotency.idempotent
    def cancel(self, request, pk=None):
        return self._act(ReasonInputSerializer, lambda project, data: services.project_cancel(
            project=project, actor=request.user, reason=data["reason"]))

    @acts("Start the works under a signed contract (clerks and officers)",
          {"multipart/form-data": StartInputSerializer})
    @action(detail=True, methods=["post"], parser_classes=UPLOADS)
    def start(self, request, pk=None):
        return self._act(StartInputSerializer, lambda project, data: services.project_start(
            project=project, actor=request.user, **data))

    @acts("Complete the works (the mahalla's clerk: the signed handover act among the "
          "evidence and the oversight committee's sign-off by a majority)", NoteInputSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._act(NoteInputSerializer, lambda project, data: services.project_complete(
            project=project, actor=request.user, reason=data["reason"]))

    @acts("Close a completed project: what was not disbursed is released to the envelopes",
          NoteInputSerializer, money=True)
    @action(detail=True, methods=["post"])
    @idempotency.idempotent
    def close(self, request, pk=None):
        return self._act(NoteInputSerializer, lambda project, data: services.project_close(
            project=project, actor=request.user, reason=data["reason"]))

    @extend_schema(summary="The match: targets, matches so far, what bound each party, the "
                           "gap, and the explanation step by step", responses=MatchSerializer)
    @action(detail=True, methods=["get"])
    def match(self, request, pk=None):
        project = self.get_object()
        explanation = explain(project)
        record = explanation.record
        return Response(MatchSerializer({
            "computed_at": record.created_at if record else None,
            "scheme_version": record.scheme_version.number if record else None,
            "lines": explanation.lines, "gap": explanation.gap, "steps": explanation.steps,
            "problems": [gettext(p) for p in explanation.problems]}).data)

    @extend_schema(summary="The final accounting: per party committed, disbursed, released; "
                           "the association's money received and not spent",
                   responses=AccountingSerializer)
    @action(detail=True, methods=["get"])
    def accounting(self, request, pk=None):
        accounts = services.final_accounting(self.get_object())
        return Response(AccountingSerializer({
            "closed": accounts.closed, "lines": accounts.lines, "received": accounts.received,
            "unspent": accounts.unspent, "released": accounts.released,
            "disbursed": accounts.disbursed}).data)


@extend_schema_view(
    list=extend_schema(summary="Decisions waiting for (or resolved by) a second officer"),
    retrieve=extend_schema(summary="One decision waiting for a second officer"),
)
class PendingDecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = PendingDecision.objects.select_related("project", "proposed_by", "resolved_by")
    serializer_class = PendingDecisionSerializer
    project_path = "project__"
    pagination_class = Cursor
    filterset_class = DecisionFilter

    @extend_schema(summary="Confirm (a second officer): the decision is taken now, under the "
                           "locks of this moment", request=NoteInputSerializer,
                   responses={200: PendingDecisionSerializer, 400: BAD_REQUEST, 409: SERVICE_REFUSAL, 422: IDEMPOTENCY_REUSED},
                   parameters=[idempotency.PARAMETER])
    @action(detail=True, methods=["post"])
    @idempotency.idempotent
    def confirm(self, request, pk=None):
        pending = services.decision_confirm(pending=self.get_object(), actor=request.user,
                                            note=_given(self, NoteInputSerializer)["reason"])
        return Response(PendingDecisionSerializer(pending).data)

    @extend_schema(summary="Send back (or, by its first officer, withdraw), with a reason",
                   request=ReasonInputSerializer,
                   responses={200: PendingDecisionSerializer, 400: BAD_REQUEST, 409: SERVICE_REFUSAL})
    @action(detail=True, methods=["post"], url_path="return")
    def send_back(self, request, pk=None):
        pending = services.decision_return(pending=self.get_object(), actor=request.user,
                                           reason=_given(self, ReasonInputSerializer)["reason"])
        return Response(PendingDecisionSerializer(pending).data)


@extend_schema_view(
    list=extend_schema(summary="Top-ups covering funding gaps, on the projects you can see"),
    retrieve=extend_schema(summary="One top-up"),
    create=extend_schema(
        summary="Offer a top-up before the decision: a funder's extra commitment (officers "
                "for their district's funders, administrators), or the association raising "
                "its own share (no funder; the association may too)",
        parameters=[idempotency.PARAMETER], request=TopUpInputSerializer,
        responses={201: TopUpSerializer, 400: BAD_REQUEST, 409: SERVICE_REFUSAL, 422: IDEMPOTENCY_REUSED}),
)
class TopUpViewSet(idempotency.IdempotentCreateMixin, ServiceCreateMixin,
                   mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = TopUp.objects.select_related("project", "funder")
    serializer_class = TopUpSerializer
    input_serializer_class = TopUpInputSerializer
    project_path = "project__"
    pagination_class = Cursor
    filterset_class = TopUpFilter

    def run_service(self, data):
        return services.top_up_offer(actor=self.request.user, **data)

    @extend_schema(summary="Withdraw an offered top-up (it stays on record)", request=None,
                   responses={200: TopUpSerializer, 400: BAD_REQUEST, 409: SERVICE_REFUSAL})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        top_up = services.top_up_withdraw(top_up=self.get_object(), actor=request.user)
        return Response(TopUpSerializer(top_up).data)


@extend_schema_view(
    list=extend_schema(summary="Tranches of the projects you can see: due, paid, evidence"),
    retrieve=extend_schema(summary="One tranche"),
)
class TrancheViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Tranche.objects.select_related("commitment__project__association",
                                              "commitment__funder")
    serializer_class = TrancheSerializer
    project_path = "commitment__project__"
    pagination_class = Cursor
    filterset_class = TrancheFilter

    @extend_schema(summary="Disburse (part of) the tranche against evidence (officers)",
                   request={"multipart/form-data": DisburseInputSerializer,
                            "application/json": DisburseInputSerializer},
                   responses={200: TrancheSerializer, 400: BAD_REQUEST, 409: SERVICE_REFUSAL, 422: IDEMPOTENCY_REUSED},
                   parameters=[idempotency.PARAMETER])
    @action(detail=True, methods=["post"], parser_classes=UPLOADS)
    @idempotency.idempotent
    def disburse(self, request, pk=None):
        tranche = self.get_object()
        data = _given(self, DisburseInputSerializer)
        tranche = with_evidence(
            project=tranche.commitment.project, actor=request.user,
            kind=EvidenceKind.DISBURSEMENT, **evidence_of(data),
            work=lambda evidence: services.tranche_disburse(
                tranche=tranche, actor=request.user, evidence=evidence,
                amount=data.get("amount"), paid_on=data.get("paid_on")))
        return Response(TrancheSerializer(self.get_queryset().get(pk=tranche.pk)).data)

    @extend_schema(summary="Record a clawback: amount, reason and evidence (officers)",
                   request={"multipart/form-data": ClawbackInputSerializer,
                            "application/json": ClawbackInputSerializer},
                   responses={200: TrancheSerializer, 400: BAD_REQUEST, 409: SERVICE_REFUSAL, 422: IDEMPOTENCY_REUSED},
                   parameters=[idempotency.PARAMETER])
    @action(detail=True, methods=["post"], parser_classes=UPLOADS)
    @idempotency.idempotent
    def clawback(self, request, pk=None):
        tranche = self.get_object()
        data = _given(self, ClawbackInputSerializer)
        tranche = with_evidence(
            project=tranche.commitment.project, actor=request.user, kind=EvidenceKind.OTHER,
            **evidence_of(data), work=lambda evidence: services.clawback_record(
                tranche=tranche, actor=request.user, amount=data["amount"],
                reason=data["reason"], evidence=evidence))
        return Response(TrancheSerializer(self.get_queryset().get(pk=tranche.pk)).data)
