"""The API's front door: an index of links, and the docs page with every asset served here."""

from __future__ import annotations

import functools
from pathlib import Path

from csp.decorators import csp_update
from django.contrib.auth.views import redirect_to_login
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from ratings.api.strict import StrictQuery

REDOC = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
# Redoc's sidebar footer shows a logo from its CDN, which the Content-Security-Policy blocks
# (a console error on every visit): the script is served with a blank image in its place.
CDN_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
BLANK_LOGO = b"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"

# In the order a router's author needs them: what to use, then the boards behind it.
INDEX = [
    ("route", "api:route", "The generator to use for a category (?category=slug)."),
    ("leaderboards", "api:leaderboards", "The newest board of overall and every category."),
    ("leaderboard", "api:leaderboard", "One board: overall or a category slug."),
    ("matrix", "api:matrix", "Pairwise win rates, battle counts and predictions of a board."),
    ("categories", "api:categories", "Prompt categories."),
    ("generators", "api:generators", "Generators' public fields."),
    ("battles_export", "api:battles-export", "All votes as JSON lines (battle format)."),
]


class ApiIndex(StrictQuery, APIView):
    """Links to every endpoint, the OpenAPI schema and the docs (with a key or a session, like
    every address under /api/v1/: a stranger gets the 401 that says how to authenticate)."""

    @extend_schema(exclude=True)
    def get(self, request):
        def link(name: str, **kwargs) -> str:
            return reverse(name, kwargs=kwargs or None, request=request)

        endpoints = {}
        for key, name, description in INDEX:
            kwargs = {"category": "overall"} if name in ("api:leaderboard", "api:matrix") else {}
            endpoints[key] = {"url": link(name, **kwargs), "description": description}
        return Response(
            {
                "name": "Arena API",
                "authentication": "Authorization: Bearer KEY (manage.py create_api_key NAME), "
                "or a signed-in session.",
                "endpoints": endpoints,
                "schema": link("api:schema"),
                "docs": link("api:docs"),
            }
        )


@method_decorator(
    # Redoc styles itself inline and renders in a worker it creates from a blob.
    csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]}),
    name="dispatch",
)
class ApiDocs(SpectacularRedocView):
    """The API reference, rendered by Redoc from local files (no CDN, no inline script).

    A browser that is not signed in is sent to the sign-in page and back, not shown a 401.
    """

    template_name = "ratings/api_docs.html"

    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated | AuthenticationFailed) and "text/html" in (
            self.request.headers.get("Accept", "")
        ):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


@functools.cache
def _redoc_script() -> bytes:
    source = Path(finders.find(REDOC)).read_bytes()
    return source.replace(CDN_LOGO, BLANK_LOGO)


class RedocScript(APIView):
    """Redoc's script with no address outside this site in it, for the docs page's readers."""

    @extend_schema(exclude=True)
    def get(self, request):
        response = HttpResponse(_redoc_script(), content_type="text/javascript; charset=utf-8")
        patch_cache_control(response, private=True, max_age=86400)
        return response
