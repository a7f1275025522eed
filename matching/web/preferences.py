"""Every user's own notification page: channels per topic, quiet hours, language, time zone
and phone; linking a Telegram chat with a one-time code, and unlinking it. There is no page
for someone else's preferences: each view acts on the logged-in user only."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import services
from ..errors import ServiceError
from ..models import CHOSEN_CHANNELS, NotificationChannel, NotificationTopic, TelegramLink
from ..notifications import preferences, telegram
from .common import submit
from .setup.users import TIME_ZONES

CODE_KEY = "telegram_link_code"
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _box(topic: str, channel: str) -> str:
    return f"{topic}__{channel}"


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)
    timezone_name = forms.ChoiceField(label=gettext_lazy("Time zone"))
    phone = forms.CharField(label=gettext_lazy("Phone for SMS"), max_length=32, required=False,
                            help_text=gettext_lazy("International form, such as "
                                                   "+998 90 123 45 67."))
    quiet_from = forms.TimeField(label=gettext_lazy("Quiet from"), required=False,
                                 widget=TIME)
    quiet_until = forms.TimeField(label=gettext_lazy("Quiet until"), required=False,
                                  widget=TIME,
                                  help_text=gettext_lazy(
                                      "On your own clock; may run over midnight (22:00 to "
                                      "07:00). A reminder due then comes when they end."))

    def __init__(self, *args, user, **kwargs):
        chosen = preferences.table(user)
        initial = {"language": user.language, "timezone_name": user.timezone,
                   "phone": user.phone, "quiet_from": user.quiet_from,
                   "quiet_until": user.quiet_until}
        for topic in NotificationTopic.values:
            for channel in CHOSEN_CHANNELS:
                initial[_box(topic, channel)] = channel in chosen[topic]
        super().__init__(*args, initial=initial, **kwargs)
        zones = TIME_ZONES if user.timezone in TIME_ZONES else [user.timezone, *TIME_ZONES]
        self.fields["timezone_name"].choices = [(z, z) for z in zones]
        for topic, label in NotificationTopic.choices:
            for channel, channel_label in NotificationChannel.choices:
                if channel in CHOSEN_CHANNELS:
                    self.fields[_box(topic, channel)] = forms.BooleanField(
                        label=f"{label}: {channel_label}", required=False)

    def rows(self):
        """The channel boxes as a table: one row per topic."""
        names = dict(NotificationChannel.choices)
        return [(label, [(names[channel], self[_box(topic, channel)])
                         for channel in CHOSEN_CHANNELS])
                for topic, label in NotificationTopic.choices]

    def settings_fields(self):
        return [self[name] for name in ("language", "timezone_name", "phone", "quiet_from",
                                        "quiet_until")]

    def channels(self) -> dict[str, set[str]]:
        data = self.cleaned_data
        return {topic: {channel for channel in CHOSEN_CHANNELS if data[_box(topic, channel)]}
                for topic in NotificationTopic.values}


def _telegram(request) -> dict:
    """What the page says about Telegram: off here, linked, a code waiting, or stopped."""
    link = TelegramLink.objects.filter(user=request.user).first()
    code = request.session.get(CODE_KEY)
    waiting = (link is not None and not link.linked and code
               and link.code_expires_at and link.code_expires_at > timezone.now())
    if link is not None and link.linked:
        request.session.pop(CODE_KEY, None)
    return {"enabled": telegram.linkable(), "link": link,
            "code": code if waiting else None,
            "deep_link": telegram.deep_link(code) if waiting else "",
            "bot": settings.TELEGRAM_BOT_USERNAME}


@login_required
def notification_settings(request):
    user = request.user
    form = PreferencesForm(request.POST or None, user=user)
    done, _saved, status = submit(request, form, lambda data: services.preferences_update(
        actor=user, language=data["language"], timezone_name=data["timezone_name"],
        phone=data["phone"], quiet_from=data["quiet_from"], quiet_until=data["quiet_until"],
        channels=form.channels()))
    if done:
        messages.success(request, _("Your notification preferences are saved."))
        response = redirect("account-notifications")
        # the pages follow the language chosen for the messages
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"],
                            samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response
    return render(request, "web/account/notifications.html",
                  {"form": form, "telegram": _telegram(request),
                   "sms_on": bool(settings.SMS_GATEWAY_URL)}, status=status)


@login_required
def telegram_status(request):
    """The Telegram part of the page alone: polled while a code waits for the bot."""
    return render(request, "web/account/_telegram.html", {"telegram": _telegram(request)})


@login_required
@require_POST
def telegram_link(request):
    try:
        request.session[CODE_KEY] = services.telegram_link_start(
            actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    return redirect("account-notifications")


@login_required
@require_POST
def telegram_unlink(request):
    try:
        services.telegram_unlink(actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        request.session.pop(CODE_KEY, None)
        messages.success(request, _("Telegram is unlinked: reminders no longer go there."))
    return redirect("account-notifications")
