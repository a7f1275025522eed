"""Tokens for machine clients: hashed (knox keeps a digest), expiring, revocable, shown once.

Login goes through `django.contrib.auth.authenticate(request, ...)`, so django-axes counts
every failure and locks a user name and IP out after AXES_FAILURE_LIMIT of them.
"""

from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from drf_standardized_errors.openapi_serializers import ErrorResponse401Serializer
from knox.models import get_token_model
from knox.settings import knox_settings
from knox.views import LogoutAllView as KnoxLogoutAllView
from knox.views import LogoutView as KnoxLogoutView
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response

from ..auth import TokenAuthentication
from ..base import ScopedAPIView, ScopedMixin
from ..serializers.base import InputSerializer
from ..fields import UTCDateTimeField, utc_iso
from ...lockout import LockedOut, lockout_seconds
from ...security import log_login, log_refusal
from ..throttling import LoginThrottle


class LoginSerializer(InputSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False,
                                     style={"input_type": "password"})


TOKEN_RESPONSE = inline_serializer("TokenResponse", {
    "token": serializers.CharField(help_text=_("Send as `Authorization: Token <token>`. "
                                               "Shown only now.")),
    "expiry": UTCDateTimeField(),
    "username": serializers.CharField(),
    "role": serializers.CharField(),
})


class LoginFailed(exceptions.AuthenticationFailed):
    logged = True  # with the user name tried, by the view


class LoginView(ScopedAPIView):
    """Exchange a user name and password for an API token. The token is shown once, stored
    hashed, and expires; five failures lock the user name out from that address."""

    public = True
    authentication_classes = []
    throttle_classes = [LoginThrottle]
    serializer_class = LoginSerializer

    def get_authenticate_header(self, request):
        return "Token"  # a failed login is a 401, not a 403

    @extend_schema(summary="Log in with a user name and password; get a token",
                   request=LoginSerializer,
                   responses={200: TOKEN_RESPONSE, 401: ErrorResponse401Serializer},
                   examples=[OpenApiExample("Login", request_only=True,
                                            value={"username": "migrant",
                                                   "password": "correct horse"})])
    def post(self, request):
        given = LoginSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(django_request, **given.validated_data)
        if getattr(django_request, "axes_locked_out", False):
            log_refusal(request, 429, f"login locked out for {given.validated_data['username']}")
            raise LockedOut(wait=lockout_seconds())  # logged above, with the user name
        if user is None:
            log_refusal(request, 401, f"login failed for {given.validated_data['username']}")
            raise LoginFailed(_("Wrong user name or password."))
        instance, token = get_token_model().objects.create(user, knox_settings.TOKEN_TTL)
        user_logged_in.send(sender=type(user), request=django_request, user=user)
        log_login(request, user)
        return Response({"token": token, "expiry": utc_iso(instance.expiry),
                         "username": user.username, "role": user.role})


class LogoutView(ScopedMixin, KnoxLogoutView):
    """Revoke the token of this request."""

    project_path = None
    authentication_classes = [TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Revoke this token", request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format)


class LogoutAllView(ScopedMixin, KnoxLogoutAllView):
    """Revoke every token of the user (a lost laptop)."""

    project_path = None
    authentication_classes = [TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(summary="Revoke all my tokens", request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format)
