"""The security headers of static files, which WhiteNoise serves before any middleware below it
(the Content-Security-Policy's and X-Frame-Options' included) could add them."""

from django.conf import settings


def static_file_headers(headers: dict[str, str], path: str, url: str) -> None:
    """WhiteNoise's WHITENOISE_ADD_HEADERS_FUNCTION: the site's policy and framing rule."""
    from csp.utils import build_policy

    headers["Content-Security-Policy"] = build_policy()
    headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS
