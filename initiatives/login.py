"""Staff sign-in: the client address that django-axes counts failed attempts against, and
what it counts them by."""

import ipaddress
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import admin
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


def is_trusted_proxy(address: str | None) -> bool:
    """Whether `address` is one of the TRUSTED_PROXIES (addresses or networks)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    return any(ip in network for network in settings.TRUSTED_PROXIES)


def client_ip(request: HttpRequest) -> str | None:
    """The connection's address or, when it is one of TRUSTED_PROXIES, the address the nearest
    untrusted hop of X-Forwarded-For gives: each proxy appends the address it received from, so
    entries left of the first untrusted one may be forged by the client and are ignored. A
    client connecting straight to the server cannot choose its address."""
    address = request.META.get("REMOTE_ADDR")
    if not is_trusted_proxy(address):
        return address
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([hop.strip() for hop in forwarded.split(",") if hop.strip()]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return address  # not an address a proxy wrote: the last proxy's own is kept
        address = hop
        if not is_trusted_proxy(hop):
            break
    return address


def lockout_parameters(request: HttpRequest | Any, credentials: dict | None = None) -> list:
    """What django-axes counts failed sign-ins by: the username and client address, or, once an
    address has failed AXES_ADDRESS_FAILURE_LIMIT times within the cool-off time whatever the
    usernames (password spraying), the address alone, which locks every username out from it."""
    if isinstance(request, HttpRequest):
        address = getattr(request, "axes_ip_address", None) or client_ip(request)
        failures = AccessAttempt.objects.filter(
            ip_address=address, attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME
        ).aggregate(total=Sum("failures_since_start"))["total"]
        if (failures or 0) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return ["ip_address"]
    return [["username", "ip_address"]]


def lockout(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The page shown to a locked-out sign-in, in the admin's look, with HTTP 429."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    context = {**admin.site.each_context(request), "minutes": seconds // 60}
    response = render(request, "admin/lockout.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response
