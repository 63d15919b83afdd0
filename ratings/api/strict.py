"""Query strings checked whole: a parameter an endpoint does not take answers 400."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings


class StrictQuery:
    """A view mixin that answers 400 naming every query parameter its endpoint does not take.

    Without it a misspelt ``?categroy=logos`` would be ignored, and the route would answer for
    the overall board as if nothing were wrong. The fields of ``query_serializers`` are the
    parameters taken; ``?format=`` (DRF's own) is always taken.
    """

    query_serializers: tuple[type[serializers.Serializer], ...] = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        known = {name for serializer in self.query_serializers for name in serializer().fields}
        unknown = set(request.query_params) - known - {api_settings.URL_FORMAT_OVERRIDE}
        if unknown:
            takes = f"takes {', '.join(sorted(known))}" if known else "takes no query parameters"
            message = f"Unknown query parameter: this endpoint {takes}."
            raise ValidationError({name: [message] for name in sorted(unknown)})
