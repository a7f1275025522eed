"""/api/v1/... the association API; /api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from .views import auth, money, projects, public, webhooks

router = SimpleRouter()
router.register("projects", projects.ProjectViewSet, basename="project")
router.register("pledges", money.PledgeViewSet, basename="pledge")
router.register("receipts", money.ReceiptViewSet, basename="receipt")
router.register("schemes", public.SchemeViewSet, basename="scheme")
router.register("webhooks", webhooks.WebhookEndpointViewSet, basename="webhook")
router.register("webhook-deliveries", webhooks.WebhookDeliveryViewSet,
                basename="webhook-delivery")

v1 = [
    path("auth/login/", auth.LoginView.as_view(), name="login"),
    path("auth/logout/", auth.LogoutView.as_view(), name="logout"),
    path("auth/logoutall/", auth.LogoutAllView.as_view(), name="logoutall"),
    path("match-preview/", public.MatchPreviewView.as_view(), name="match-preview"),
    path("associations/me/", public.AssociationMeView.as_view(), name="association-me"),
    path("reports/regional/", public.RegionalSummaryView.as_view(), name="regional-summary"),
    *router.urls,
]

app_name = "api"
urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
