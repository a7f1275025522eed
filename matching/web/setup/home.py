"""The administrator's start page of programme setup: what waits for him, in his region."""

import datetime

from django.shortcuts import render
from django.utils import timezone

from ... import policies
from ...models import (ApplicationStatus, District, Invitation, MigrantAssociation,
                       RegistrationApplication, Scheme, User)
from .common import admin_required


@admin_required
def setup_home(request):
    user, today = request.user, timezone.localdate()
    associations = MigrantAssociation.objects.managed_by(user)
    return render(request, "setup/home.html", {
        "waiting": RegistrationApplication.objects.managed_by(user)
        .filter(status=ApplicationStatus.PENDING).count(),
        "expiring": associations.filter(valid_until__gte=today,
                                        valid_until__lte=today + datetime.timedelta(days=30))
        .count(),
        "lapsed": associations.filter(valid_until__lt=today).count(),
        "districts_without_population": District.objects.managed_by(user)
        .filter(population__isnull=True).count(),
        "schemes": Scheme.objects.managed_by(user).filter(is_active=True).count(),
        "invitations_open": Invitation.objects.filter(
            user__in=User.objects.managed_by(user), accepted_at__isnull=True,
            revoked_at__isnull=True, expires_at__gt=timezone.now()).count(),
        "programme_wide": policies.programme_wide(user)})
