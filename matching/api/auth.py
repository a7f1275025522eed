"""API token authentication: django-rest-knox's hashed, expiring tokens."""

from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken
from knox.signals import token_expired


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's, without loading every token the user holds on every request.

    knox deletes the user's other expired tokens while authenticating, so each request costs
    a query that grows with the user's tokens (an integration that logs in per job piles them
    up). Here an expired token is refused and deleted when it is used, and the others are
    purged by the nightly task (matching.tasks.purge_expired_tokens).
    """

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


def purge_expired_tokens() -> int:
    deleted, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted


class TokenScheme(KnoxTokenScheme):
    """OpenAPI: our subclass is documented as knox's bearer token."""

    target_class = "matching.api.auth.TokenAuthentication"
