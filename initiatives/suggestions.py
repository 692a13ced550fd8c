"""Readers' suggestions: the form, the limit per address, and the editors' email.

The form lives on a page of its own (`initiative-suggest`), never cached, because it carries a
CSRF token; the initiative's page, cached whole, only links to it."""

import hashlib
import hmac
import logging
import math
from datetime import timedelta
from typing import cast

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .login import client_ip
from .models import SUGGESTION_MAX_LENGTH, Initiative, Suggestion, SuggestionPart
from .roles import EDITORS

logger = logging.getLogger(__name__)

# The honeypot: a field people never see nor fill (hidden by the stylesheet, skipped by
# keyboards and screen readers), which robots filling every field give themselves away by.
HONEYPOT = "website"


class SuggestionForm(forms.ModelForm):
    website = forms.CharField(
        label=_("Laissez ce champ vide"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    class Meta:
        model = Suggestion
        fields = ("message", "part", "name", "email")
        labels = {
            "message": _("Qu'est-ce qui est faux, ou nouveau ?"),
            "part": _("Quelle partie de la fiche ? (facultatif)"),
            "name": _("Votre nom (facultatif)"),
            "email": _("Votre courriel, pour qu'on vous réponde (facultatif)"),
        }
        help_texts = {
            "message": _(
                "Par exemple : « ce numéro ne répond plus », « l'action s'est terminée en "
                "2024 », « le nouveau site est … ». %(max)d caractères au plus."
            )
            % {"max": SUGGESTION_MAX_LENGTH},
            "email": _("Il n'est pas publié ; seule l'équipe du catalogue le lit."),
        }
        widgets = {"message": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        part = cast(forms.ChoiceField, self.fields["part"])
        part.choices = [("", _("Je ne sais pas / plusieurs")), *SuggestionPart.choices]

    def is_robot(self) -> bool:
        """Whether the honeypot was filled: the suggestion is then dropped, quietly."""
        return bool(self.data.get(HONEYPOT, "").strip())


def address_hash(request: HttpRequest) -> str:
    """The sender's address (as django-axes sees it, behind the TRUSTED_PROXIES),
    hashed with the site's secret key: enough to count one address's suggestions, not to
    read the address back."""
    address = client_ip(request) or ""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def retry_after(address: str) -> int | None:
    """Seconds before `address` (a hash) may send another suggestion, or None if it may now:
    at most SUGGESTION_RATE_LIMIT in SUGGESTION_RATE_PERIOD seconds. Run inside a transaction,
    the address's suggestions are counted under a lock, so that simultaneous posts from one
    address cannot all pass."""
    period = timedelta(seconds=settings.SUGGESTION_RATE_PERIOD)
    now = timezone.now()
    if transaction.get_connection().in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"suggest:{address}"])
    recent = list(
        Suggestion.objects.from_address(address, now - period)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[: settings.SUGGESTION_RATE_LIMIT]
    )
    if len(recent) < settings.SUGGESTION_RATE_LIMIT:
        return None
    # The oldest of the last LIMIT leaves the window first.
    return max(1, math.ceil((recent[-1] + period - now).total_seconds()))


def editor_emails() -> list[str]:
    """Who is told of a suggestion: SUGGESTION_EMAILS, or else every active editor's email."""
    if settings.SUGGESTION_EMAILS:
        return list(settings.SUGGESTION_EMAILS)
    users = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, groups__name=EDITORS)
        .exclude(email="")
    )
    return sorted(set(users.values_list("email", flat=True)))


def notify_editors(request: HttpRequest, suggestion: Suggestion) -> None:
    """Emails the editors the suggestion as plain text (markup stays text), with the address of
    its page in the admin; answering the email answers the reader, when they gave an email.
    A mail server's failure is logged, never shown to the reader: the suggestion is stored."""
    recipients = editor_emails()
    if not recipients:
        logger.warning("Suggestion %s: no editor to email (SUGGESTION_EMAILS).", suggestion.pk)
        return
    initiative: Initiative = suggestion.initiative
    admin_url = request.build_absolute_uri(
        reverse("admin:initiatives_suggestion_change", args=[suggestion.pk])
    )
    lines = [
        gettext("Suggestion d'un lecteur pour « %(title)s » :") % {"title": initiative.title},
        "",
        suggestion.message,
        "",
        gettext("Partie : %(part)s") % {"part": suggestion.get_part_display() or "—"},
        gettext("De : %(name)s %(email)s")
        % {"name": suggestion.name or "—", "email": suggestion.email},
        gettext("Fiche publique : %(url)s")
        % {"url": request.build_absolute_uri(initiative.get_absolute_url())},
        gettext("À traiter dans l'administration : %(url)s") % {"url": admin_url},
    ]
    message = EmailMessage(
        subject=gettext("[Catalogue] Suggestion pour « %(title)s »") % {"title": initiative.title},
        body="\n".join(lines),
        to=recipients,
        reply_to=[suggestion.email] if suggestion.email else None,
    )
    try:
        message.send()
    except Exception:
        logger.exception("Suggestion %s: the editors' email could not be sent.", suggestion.pk)
