"""Error pages: a database that is down answers 503 with Retry-After, not a 500; and plain
error answers for what stops a request before any view."""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import server_error as django_server_error

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5
MESSAGE = "The database is unavailable for a moment; nothing was changed. Try again shortly."


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it inside the except block, so the exception is at hand."""
    exception = sys.exc_info()[1]
    if not isinstance(exception, OperationalError | InterfaceError):
        return django_server_error(request)
    logger.warning("database unavailable: %s", exception)
    response = plain_error(request, MESSAGE, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def plain_error(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    """An error in words, without templates or the session: JSON for the API, else plain text."""
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"detail": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
