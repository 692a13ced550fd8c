"""How often a client may call the API."""

from django.conf import settings
from rest_framework import throttling
from rest_framework.request import Request

from .. import login


class ClientAddressThrottle(throttling.AnonRateThrottle):
    """API_THROTTLE_RATE requests per client address, the address being the one the sign-in
    lockout counts (TRUSTED_PROXIES)."""

    scope = "api"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE

    def get_ident(self, request: Request) -> str:
        return login.client_ip(request) or ""
