"""Forms are read as UTF-8 only: a form declared in another charset is refused before any read.

Django raises ``BadRequest`` where ``request.POST`` is first read but does not mark the read
as failed, so the next reader (the CSRF check of the error page) raises again: a 500. Refused
here, before the CSRF middleware or any view reads the body, it is a 400 everywhere.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from arena.core.errors import plain_error

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
UTF8 = frozenset({"utf-8"})  # exactly what Django reads forms as; "utf8" it refuses
BODYLESS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MESSAGE = "Forms must be sent as UTF-8; this one declares another charset. Nothing was changed."


class FormCharsetMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in BODYLESS and _declares_another_charset(request):
            return plain_error(request, MESSAGE, status=400)
        return self.get_response(request)


def _declares_another_charset(request: HttpRequest) -> bool:
    if request.content_type not in FORM_TYPES:
        return False
    charset = request.content_params.get("charset")
    return charset is not None and charset.strip().strip('"').lower() not in UTF8
