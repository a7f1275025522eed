"""API token authentication: django-rest-knox's hashed, expiring tokens."""

import binascii
from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions

from ..models import User
from .. import routing
from ..prepared import prepared_cursor


def _columns(model, alias: str) -> tuple[list[str], str]:
    fields = model._meta.concrete_fields
    return ([field.attname for field in fields],
            ", ".join(f'{alias}."{field.column}"' for field in fields))


_TOKEN_NAMES, _TOKEN_COLUMNS = _columns(AuthToken, "t")
_USER_NAMES, _USER_COLUMNS = _columns(User, "u")
# knox's own query (tokens by their key, with the user), as one prepared statement
TOKENS_SQL = (f"SELECT {_TOKEN_COLUMNS}, {_USER_COLUMNS} FROM {AuthToken._meta.db_table} t "
              f"JOIN {User._meta.db_table} u ON u.id = t.user_id WHERE t.token_key = %s")


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's, without loading every token the user holds on every request.

    knox deletes the user's other expired tokens while authenticating, so each request costs
    a query that grows with the user's tokens (an integration that logs in per job piles them
    up). Here an expired token is refused and deleted when it is used, and the others are
    purged by the nightly task (matching.tasks.purge_expired_tokens).

    Every API request authenticates, so the lookup is a prepared statement
    (matching/prepared.py) rather than an ORM query compiled anew each time; the checks are
    knox's, in knox's order.
    """

    def authenticate_credentials(self, token):
        msg = _("Invalid token.")
        try:
            token = token.decode("utf-8")
        except UnicodeDecodeError:  # the header arrives as latin-1: "Token é" is no token
            raise exceptions.AuthenticationFailed(msg) from None
        with prepared_cursor(routing.PRIMARY) as cursor:  # tokens: never a replica
            cursor.execute(TOKENS_SQL, [token[:CONSTANTS.TOKEN_KEY_LENGTH]])
            rows = cursor.fetchall()
        split = len(_TOKEN_NAMES)
        for row in rows:
            auth_token = AuthToken.from_db("default", _TOKEN_NAMES, row[:split])
            auth_token.user = User.from_db("default", _USER_NAMES, row[split:])
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(msg) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(msg)

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
