"""The language of a request: from the address for public pages, from the browser in the admin."""

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import cc_delim_re


class AddressLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, with public pages in the language of their address alone
    (French unprefixed, English under /en/): they neither read nor vary with the browser's
    Accept-Language or a cookie, so one cached copy serves every reader. The admin, which has
    no address per language, keeps following the browser."""

    def is_admin(self, request: HttpRequest) -> bool:
        return request.path_info.startswith(f"/{settings.ADMIN_URL}")

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        if self.is_admin(request):
            language = translation.get_language_from_request(request)
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response = super().process_response(request, response)
        if not self.is_admin(request) and response.has_header("Vary"):
            kept = [
                header
                for header in cc_delim_re.split(response["Vary"])
                if header.lower() != "accept-language"
            ]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response
