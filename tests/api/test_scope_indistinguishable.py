"""Out of scope answers exactly like missing, on every endpoint of the API.

The endpoints are enumerated from the URL configuration (drf-spectacular's enumerator, the
same that builds the schema), and for each every way it takes a record's id: the path
(`{pk}`), the filters (every `IdFilter` of its filter set) and the ids in its request body
(every related field of its input serializer). For each caller and each such id, a record the
caller may not see and an id that does not exist must get the same status and the same body.
An endpoint, filter or field whose model this test does not know fails it: a new endpoint
cannot forget.
"""

import django_filters
import pytest
from django.db.models import Max
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.generators import EndpointEnumerator
from rest_framework import relations
from rest_framework.test import APIClient, APIRequestFactory

from matching import models as m
from matching.api.filters import IdFilter
from tests import factories as f

MISSING_OFFSET = 10**6


def _geography(path):
    return lambda caller: m.Project.objects.visible_to(caller).values(path)


# model → the ids of it that a caller may not see (None: every record is public)
VISIBLE = {
    m.Project: lambda caller: m.Project.objects.visible_to(caller).values("pk"),
    m.Pledge: lambda caller: m.Pledge.objects.visible_to(caller).values("pk"),
    m.Receipt: lambda caller: m.Receipt.objects.visible_to(caller).values("pk"),
    m.ProgressReport: lambda caller: m.ProgressReport.objects.visible_to(caller).values("pk"),
    m.Evidence: lambda caller: m.Evidence.objects.visible_to(caller).values("pk"),
    m.WebhookEndpoint: lambda caller: m.WebhookEndpoint.objects.filter(
        association_id=caller.association_id).values("pk"),
    m.WebhookDelivery: lambda caller: m.WebhookDelivery.objects.filter(
        endpoint__association_id=caller.association_id).values("pk"),
    # geography is public, but a filter by a place outside the caller's scope finds nothing,
    # exactly like a place that does not exist
    m.Mahalla: _geography("mahalla_id"),
    m.District: _geography("mahalla__district_id"),
    m.Region: _geography("mahalla__district__region_id"),
    m.PendingDecision: lambda caller: m.PendingDecision.objects.visible_to(caller).values("pk"),
    m.TopUp: lambda caller: m.TopUp.objects.visible_to(caller).values("pk"),
    m.Tranche: lambda caller: m.Tranche.objects.visible_to(caller).values("pk"),
    m.Job: lambda caller: m.Job.objects.visible_to(caller).values("pk"),
    m.Application: lambda caller: m.Application.objects.visible_to(caller).values("pk"),
    # a call is public from its opening; a draft is its administrators' work in progress
    m.Call: lambda caller: m.Call.objects.public().values("pk"),
    m.Scheme: None,
    # funders are named on the public pages with what they committed
    m.Funder: None,
}


def _model_of_path(model, field_name):
    for part in field_name.removesuffix("_id").split("__"):
        model = model._meta.get_field(part).related_model
    return model


def _filterset(view, queryset):
    """The filter set the view's filter backends build (from `filterset_class` or
    `filterset_fields`)."""
    for backend in getattr(view, "filter_backends", []):
        if issubclass(backend, DjangoFilterBackend) and queryset is not None:
            return backend().get_filterset_class(view(), queryset)
    return None


def id_parameters():
    """(label, method, path, where, name, model) for every id an endpoint takes."""
    found = []
    for path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        view = callback.cls
        queryset = getattr(view, "queryset", None)
        model = queryset.model if queryset is not None else None
        label = f"{method} {path}"
        if "{pk}" in path:
            found.append((label, method, path, "path", "pk", model))
        if "{code}" in path:
            found.append((label, method, path, "path", "code", model))
        filterset = _filterset(view, queryset)
        if method == "GET" and filterset is not None and "{" not in path:
            for name, flt in filterset.base_filters.items():
                # a filter that looks its id up answers "no such choice" for a missing id and
                # "no rows" for one out of scope: ids are compared, never looked up
                assert not isinstance(flt, (django_filters.ModelChoiceFilter,
                                            django_filters.ModelMultipleChoiceFilter)), \
                    f"{label}: filter {name} looks its id up: use filters.IdFilter"
                if isinstance(flt, IdFilter):
                    found.append((label, method, path, "filter", name,
                                  _model_of_path(model, flt.field_name)))
        serializer = getattr(view, "input_serializer_class", None)
        if method == "POST" and serializer is not None:
            for name, field in serializer().fields.items():
                if isinstance(field, relations.RelatedField):
                    found.append((label, method, path, "body", name, field))
    return found


PARAMETERS = id_parameters()


def test_the_enumeration_covers_every_way_an_id_reaches_the_api():
    where = {(label, where, name) for label, _m, _p, where, name, _model in PARAMETERS}
    # the ones known today, so that the enumeration itself cannot silently find nothing
    for expected in [("GET /api/v1/projects/{pk}/", "path", "pk"),
                     ("GET /api/v1/pledges/", "filter", "project"),
                     ("GET /api/v1/receipts/", "filter", "project"),
                     ("GET /api/v1/webhook-deliveries/", "filter", "endpoint"),
                     ("GET /api/v1/projects/", "filter", "district"),
                     ("POST /api/v1/receipts/", "body", "pledge"),
                     ("POST /api/v1/pledges/", "body", "project"),
                     ("POST /api/v1/receipts/{pk}/confirm/", "path", "pk"),
                     ("DELETE /api/v1/webhooks/{pk}/", "path", "pk")]:
        assert expected in where, expected
    assert len(PARAMETERS) >= 20


@pytest.fixture
def landscape(world, settings):
    """Records on both sides of every boundary: projects, pledges, receipts (one held),
    webhook endpoints and deliveries of both associations, decisions waiting for a second
    officer, top-ups, tranches (of the approved projects), progress reports, evidence and
    jobs."""
    settings.API_RATES = {**settings.API_RATES, "user": "100000/minute"}
    own = world.approved()
    theirs = world.approved(mahalla=world.mahalla_b)
    foreign = m.Project.objects.create(
        id=None, code="UZ-X-1", mahalla=world.mahalla_b, association=world.other_association,
        scheme=world.scheme, category="road", title="Bekobod road", cost="10000000.00",
        currency="UZS", created_by=world.charlie)
    for project, user in ((own, world.migrant), (theirs, world.migrant)):
        from matching import services

        services.pledge_create(project=project, actor=user, amount="100.00", currency="RUB",
                               expected_on=project.created_at.date())
    world.receipt(own, "1000.00")
    world.receipt(theirs, "1000.00")
    world.receipt(theirs, "900000000.00")  # held
    for association, user in ((world.association, world.migrant),
                              (world.other_association, world.stranger)):
        endpoint = m.WebhookEndpoint.objects.create(association=association,
                                                    url="http://127.0.0.1:9/", created_by=user)
        message = m.OutboxMessage.objects.create(topic="receipt.recorded",
                                                 payload={"project_id": own.pk})
        m.WebhookDelivery.objects.create(endpoint=endpoint, event=message,
                                         topic="receipt.recorded", payload={})
    for project, user in ((own, world.alice), (theirs, world.charlie)):  # reports of works
        m.ProgressReport.objects.create(project=project, reported_on=project.created_at.date(),
                                        text="Trench dug.", created_by=user)
        world.evidence(project, actor=user)
    waiting = world.submitted(mahalla=world.mahalla_b)
    m.PendingDecision.objects.create(project=waiting, decision="approve", reason="ok",
                                     proposed_by=world.dave)
    m.TopUp.objects.create(project=waiting, amount="1000.00", reason="gap", recorded_by=world.dave)
    for user in (world.alice, world.dave, world.migrant):
        m.Job.objects.create(kind="export", author=user, params={})
    _calls(world, [world.submitted(), waiting])
    region_admin = f.UserFactory(username="far-admin", role=m.Role.ADMINISTRATOR,
                                 region=f.RegionFactory(country=world.country, name="Far"))
    return {"foreign": foreign,
            "callers": [world.alice, world.charlie, world.bob, world.dave, world.migrant,
                        world.stranger, region_admin]}


def _calls(world, projects):
    """An open call with an application from each district, and a draft call."""
    from django.utils import timezone

    from matching import services

    today = timezone.localdate()
    fields = {"scheme": world.scheme, "title": "Water first", "description": "Water.",
              "opens_on": today, "closes_on": today, "quorum": 1}
    criteria = [{"name": "Need", "description": "Judged.", "kind": "scored", "weight": 1}]
    call = services.call_save(actor=world.admin, fields={**fields, "code": "open-call"},
                              envelopes=[world.envelope_a, world.envelope_b], criteria=criteria)
    services.call_open(actor=world.admin, call=call)
    for project in projects:
        services.application_submit(actor=world.clerk_of(project), call=call, project=project)
    services.call_save(actor=world.admin, fields={**fields, "code": "draft-call"},
                       envelopes=[world.envelope_a], criteria=criteria)


def _hidden_and_missing(model, caller):
    visible = VISIBLE[model]
    assert model in VISIBLE, f"add {model.__name__} to VISIBLE: who may see which of them?"
    missing = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + MISSING_OFFSET
    if visible is None:
        return None, missing
    hidden = model.objects.exclude(pk__in=visible(caller)).order_by("pk").first()
    return (hidden.pk if hidden else None), missing


def _call(client, method, path, where, name, value):
    url, body, query = path, {}, {}
    if where == "path":
        url = path.replace("{" + name + "}", str(value))
    elif where == "filter":
        query = {name: value}
    else:
        body = {name: value}
    if method in ("PUT", "PATCH"):
        body = {"url": "http://127.0.0.1:9/x", **body}
    if method == "POST" and url.endswith("/reject/"):
        body = {"reason": "wrong", **body}
    send = getattr(client, method.lower())
    if method == "GET":
        return send(url, query)
    return send(url, body, format="json")


def _normalised(response, *ids):
    text = response.content.decode()
    for value in ids:
        text = text.replace(str(value), "<id>")
    return response.status_code, text


@pytest.mark.parametrize("label, method, path, where, name, model", PARAMETERS,
                         ids=[f"{p[0]} {p[3]}:{p[4]}" for p in PARAMETERS])
def test_out_of_scope_answers_exactly_like_missing(landscape, label, method, path, where, name,
                                                   model):
    compared = 0
    for caller in landscape["callers"]:
        client = APIClient()
        client.force_authenticate(caller)
        target = model
        if where == "body":  # the related field's own scoped queryset names the model
            request = APIRequestFactory().post(path)
            request.user = caller
            field = model
            field.root._context = {"request": request}
            target = field.get_queryset().model
        hidden, missing = _hidden_and_missing(target, caller)
        if hidden is None:
            continue
        if name == "code":  # looked up by its code, not its id
            hidden, missing = target.objects.get(pk=hidden).code, f"missing-{missing}"
        out_of_scope = _call(client, method, path, where, name, hidden)
        absent = _call(client, method, path, where, name, missing)
        assert _normalised(out_of_scope, hidden) == _normalised(absent, missing), (
            caller.username, label, where, name, out_of_scope.content[:300],
            absent.content[:300])
        compared += 1
    if VISIBLE.get(target, 1) is not None:  # a public model has no record out of scope
        assert compared, f"{label} {where}:{name}: no caller had a record out of scope"
