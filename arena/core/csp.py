"""django-csp's middleware, with the site's own header built once instead of on every response.

django-csp renders the policy from settings twice per response. A response no decorator
changed, on a request that asked for no nonce, gets the same header every time, so it is
rendered once per process; anything else goes through django-csp unchanged.
"""

from __future__ import annotations

from functools import cached_property

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, PolicyParts
from csp.middleware import CSPMiddleware as _CSPMiddleware
from csp.utils import build_policy
from django.conf import settings

# What django-csp's decorators set on a response: any of them means a policy of its own.
_CHANGES = (
    "_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
    "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro",
)  # fmt: skip


class CSPMiddleware(_CSPMiddleware):
    @cached_property
    def _site_header(self) -> str | None:
        """The header of a plain response; None when the settings ask for more than one."""
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        if (
            settings.DEBUG
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or policy.get("EXCLUDE_URL_PREFIXES")
        ):
            return None
        return build_policy(**vars(PolicyParts())) or None

    def process_response(self, request, response):
        header = self._site_header
        if (
            header is None
            or getattr(request, "_csp_nonce", None) is not None
            or HEADER in response
            or HEADER_REPORT_ONLY in response
            or any(hasattr(response, name) for name in _CHANGES)
        ):
            return super().process_response(request, response)
        response[HEADER] = header
        # As django-csp does: a nonce asked for once the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
