"""/api/v1/... the association API; /api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI)."""

from django.urls import include, path, re_path
from rest_framework.decorators import api_view, permission_classes, renderer_classes
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from .views import (audit, auth, calls, jobs, money, officers, outbox, projects, public,
                    webhooks, works)

router = SimpleRouter()
router.register("projects", projects.ProjectViewSet, basename="project")
# the actions on a project (POST /projects/{id}/suspend/ ...): no list or detail of their own
router.register("projects", officers.ProjectActionViewSet, basename="project-action")
router.register("decisions", officers.PendingDecisionViewSet, basename="decision")
router.register("top-ups", officers.TopUpViewSet, basename="top-up")
router.register("tranches", officers.TrancheViewSet, basename="tranche")
router.register("pledges", money.PledgeViewSet, basename="pledge")
router.register("receipts", money.ReceiptViewSet, basename="receipt")
router.register("schemes", public.SchemeViewSet, basename="scheme")
router.register("webhooks", webhooks.WebhookEndpointViewSet, basename="webhook")
router.register("calls", calls.CallViewSet, basename="call")
router.register("applications", calls.ApplicationViewSet, basename="application")
router.register("webhook-deliveries", webhooks.WebhookDeliveryViewSet,
                basename="webhook-delivery")
router.register("jobs", jobs.JobViewSet, basename="job")
router.register("progress-reports", works.ProgressReportViewSet, basename="progress-report")
router.register("evidence", works.EvidenceViewSet, basename="evidence")

v1 = [
    path("auth/login/", auth.LoginView.as_view(), name="login"),
    path("auth/logout/", auth.LogoutView.as_view(), name="logout"),
    path("auth/logoutall/", auth.LogoutAllView.as_view(), name="logoutall"),
    path("match-preview/", public.MatchPreviewView.as_view(), name="match-preview"),
    path("associations/me/", public.AssociationMeView.as_view(), name="association-me"),
    path("reports/regional/", public.RegionalSummaryView.as_view(), name="regional-summary"),
    path("audit/", audit.AuditTrailView.as_view(), name="audit"),
    path("outbox/", outbox.OutboxView.as_view(), name="outbox"),
    *router.urls,
]



@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@permission_classes([AllowAny])
@renderer_classes([JSONRenderer])
def not_found(request, rest=""):
    """Any other /api/ path: the same JSON 404 as a missing object, not an HTML page."""
    raise NotFound()


not_found.cls.schema = None  # not an endpoint of the schema

app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    re_path(r"^(?P<rest>[\s\S]*)$", not_found),
]
