"""django-csp's middleware with the site's policy built once instead of on every response.

django-csp renders the policy from settings twice per response (the policy and the report-only
one), which cost about a twentieth of a vote's CPU in the web process. A response with no
decorator-made changes and no nonce gets the same header every time, so it is rendered once;
anything else (``csp_update`` and friends, a nonce, the debug pages) goes through django-csp
unchanged.
"""

from __future__ import annotations

import functools

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, PolicyParts
from csp.middleware import CSPMiddleware as _CSPMiddleware
from csp.utils import build_policy
from django.conf import settings

# Set on a response by django-csp's decorators; any of them means a policy of its own.
_CHANGES = (
    "_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
    "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro",
)  # fmt: skip


class CSPMiddleware(_CSPMiddleware):
    @functools.cached_property
    def _site_policy(self) -> str | None:
        """The header for a plain response, or None when settings ask for more than one."""
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        if (
            getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or policy.get("EXCLUDE_URL_PREFIXES")
            or settings.DEBUG
        ):
            return None
        return build_policy(**PolicyParts().__dict__) or None

    def process_response(self, request, response):
        policy = self._site_policy
        if (
            policy is None
            or getattr(request, "_csp_nonce", None) is not None
            or HEADER in response
            or HEADER_REPORT_ONLY in response
            or any(hasattr(response, name) for name in _CHANGES)
        ):
            return super().process_response(request, response)
        response[HEADER] = policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
