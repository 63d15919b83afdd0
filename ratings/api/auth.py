"""API access: a router sends `Authorization: Bearer KEY`; browser users use their session."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from ratings.api_keys import api_key_lookup
from ratings.models import ApiKey


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the key as 'Authorization: Bearer KEY'.")
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("The API key has invalid characters.") from None
        api_key = api_key_lookup(key)
        if api_key is None:
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.")
        return AnonymousUser(), api_key

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class _Scoped(permissions.BasePermission):
    """Requests of ``methods`` (read-only) by API keys with ``scope``, or by users ``user_may``
    lets in."""

    scope: str
    methods = permissions.SAFE_METHODS

    def has_permission(self, request, view) -> bool:
        if request.method not in self.methods:
            return False
        if isinstance(request.auth, ApiKey):
            return self.scope in request.auth.scopes
        return bool(request.user and request.user.is_authenticated and self.user_may(request.user))

    def user_may(self, user) -> bool:
        return True


class CanRead(_Scoped):
    """Signed-in users, or API keys with the read scope; everything here is read-only."""

    message = "This API key does not have the 'read' scope."
    scope = ApiKey.Scope.READ


class CanRoute(CanRead):
    """As CanRead, and POST too: a prompt route is a read whose question (the prompt) is too
    long for a query string. It changes nothing."""

    methods = (*permissions.SAFE_METHODS, "POST")


class CanExport(_Scoped):
    """Staff users, or API keys with the export scope: an export lists every vote."""

    message = "Exporting votes needs a staff account or an API key with the 'export' scope."
    scope = ApiKey.Scope.EXPORT

    def user_may(self, user) -> bool:
        return user.is_staff


def may_see_names(request) -> bool:
    """Voters' names leave the arena only to staff who ask for them; keys never get them."""
    user = request.user
    return not isinstance(request.auth, ApiKey) and bool(user and user.is_staff)


class ApiKeySchema(OpenApiAuthenticationExtension):
    """Describes the bearer key in the OpenAPI schema."""

    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An arena API key."}
