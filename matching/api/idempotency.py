"""`Idempotency-Key` for POSTs that create money records.

A client that did not hear back (a dropped connection from Moscow) sends the same request
again with the same key: it gets the first response and nothing new is created. The same key
with a different request is a client bug and answers 422. A key is kept for
IDEMPOTENCY_KEY_TTL_HOURS (24): after that the same key is a new request, and an hourly beat
task (matching.tasks.purge_idempotency_keys) deletes the old keys.
"""

import datetime
import functools
import hashlib
import json
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.response import Response

from ..models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_LENGTH = 255
# printable ASCII without spaces: what survives every proxy unchanged (a UUID fits)
PATTERN = r"^[!-~]{1,255}$"
_VALID = re.compile(PATTERN)

PARAMETER = OpenApiParameter(
    HEADER, {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH, "pattern": PATTERN},
    OpenApiParameter.HEADER, required=False,
    description=str(_("A unique key of 1 to 255 printable ASCII characters without spaces "
                      "(a UUID). A repeated request with the same key within 24 hours returns "
                      "the first response and creates nothing; the same key with a different "
                      "request answers 422.")))


def ttl() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def purge_expired() -> int:
    """Delete the keys older than the time they are kept; return how many."""
    deleted, _by_model = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - ttl()).delete()
    return deleted


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was used for a different request.")
    default_code = "idempotency_key_reused"


class KeyInvalid(exceptions.ValidationError):
    default_code = "invalid"


def fingerprint(request) -> str:
    """SHA-256 of what makes two requests the same: method, path and body (files by content,
    since a multipart boundary differs on every send)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    data = request.data
    if hasattr(data, "lists"):  # a QueryDict: form or multipart
        fields = {key: values for key, values in data.lists() if key not in request.FILES}
    else:
        fields = data
    digest.update(json.dumps(fields, sort_keys=True, default=str).encode())
    for name in sorted(request.FILES):
        for upload in request.FILES.getlist(name):
            digest.update(f"\n{name}:{upload.name}:".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


def _clean_key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _VALID.match(key):
        raise KeyInvalid({HEADER: [
            _("Give an Idempotency-Key of 1 to 255 printable ASCII characters without "
              "spaces.")]}, code="invalid")
    return key


def replayable(request, respond) -> Response:
    """Run `respond()` under the request's `Idempotency-Key`, if it has one: claim the key, do
    the work, store the response, in one transaction.

    The key is claimed with an INSERT (the unique constraint decides), never check-then-
    insert: a concurrent replay blocks on the first request's row, then reads its response.
    Failed requests (4xx) roll back with their key, so the client may correct and retry.
    """
    key = _clean_key(request)
    if key is None:
        return respond()
    mark = fingerprint(request)
    with transaction.atomic():
        # a key past its time is forgotten (the beat purges them; this one may not be yet)
        IdempotencyKey.objects.filter(user=request.user, key=key,
                                      created_at__lt=timezone.now() - ttl()).delete()
        try:
            with transaction.atomic():
                claim = IdempotencyKey.objects.create(user=request.user, key=key,
                                                      fingerprint=mark)
        except IntegrityError:
            return _replay(request.user, key, mark)
        response = respond()
        IdempotencyKey.objects.filter(pk=claim.pk).update(
            status_code=response.status_code, response=response.data)
    return response


def _replay(user, key: str, mark: str) -> Response:
    first = IdempotencyKey.objects.get(user=user, key=key)
    if first.fingerprint != mark:
        raise KeyReused()
    return Response(first.response, status=first.status_code,
                    headers={"Idempotent-Replayed": "true"})


def idempotent(action):
    """A view action that creates money records, made `replayable`."""

    @functools.wraps(action)
    def wrapper(self, request, *args, **kwargs):
        return replayable(request, lambda: action(self, request, *args, **kwargs))

    return wrapper


class IdempotentCreateMixin:
    """Wraps `create()` in `replayable`."""

    def create(self, request, *args, **kwargs):
        return replayable(request, lambda: super(IdempotentCreateMixin, self).create(
            request, *args, **kwargs))
