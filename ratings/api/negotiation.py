"""Content negotiation for an API that speaks JSON: a client's Accept header never fails a call."""

from __future__ import annotations

from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation


class JSONWhateverAccepted(DefaultContentNegotiation):
    """DRF's negotiation, except that an Accept header no renderer matches gets the first one.

    Routers and scripts send all sorts of Accept headers (``text/html``, a typo, none); a 406
    would only hide the JSON they came for. An unknown ``?format=`` is still a 404.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type
