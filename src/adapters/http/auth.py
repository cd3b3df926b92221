"""Who is calling: the bearer token, resolved once per request through the Authenticator port."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, NewType

import structlog
from dishka import Provider, Scope, provide
from litestar import Request
from litestar.connection import ASGIConnection

from application.identity import hash_token
from application.ports.auth import Authentication, Authenticator
from domain.errors import AuthenticationFailed, NotFound, OrganizationDeleting
from domain.permissions import Actor, Principal

if TYPE_CHECKING:
    HttpRequest = Request[Any, Any, Any]
else:  # dishka keys its factories by the bare class, which LitestarProvider provides
    HttpRequest = Request


# The few routes that still answer for an organization scheduled for deletion (restore) ask for this one.
ActorEvenIfDeleting = NewType("ActorEvenIfDeleting", Actor)


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("a bearer token is required")
    return token.strip()


def organization_in_path(connection: ASGIConnection[Any, Any, Any, Any]) -> uuid.UUID | None:
    value = connection.scope.get("path_params", {}).get("org_id")
    return value if isinstance(value, uuid.UUID) else None


class HttpAuthProvider(Provider):
    """Handlers ask for Principal or Actor; the token (and the org_id path parameter) decide."""

    @provide(scope=Scope.REQUEST)
    async def authentication(self, request: HttpRequest, authenticator: Authenticator) -> Authentication:
        token = bearer_token(request)
        organization_id = organization_in_path(request)
        result = await authenticator.authenticate(hash_token(token), organization_id)
        if organization_id is None:
            structlog.contextvars.bind_contextvars(user_id=str(result.principal.user_id))
        else:
            structlog.contextvars.bind_contextvars(
                user_id=str(result.principal.user_id), organization_id=str(organization_id)
            )
        return result

    @provide(scope=Scope.REQUEST)
    def principal(self, authentication: Authentication) -> Principal:
        return authentication.principal

    @provide(scope=Scope.REQUEST)
    def actor(self, authentication: Authentication) -> Actor:
        if authentication.actor is None:
            raise NotFound("organization not found")
        if authentication.organization_deleting:
            raise OrganizationDeleting("this organization is scheduled for deletion; an owner can restore it")
        return authentication.actor

    @provide(scope=Scope.REQUEST)
    def actor_even_if_deleting(self, authentication: Authentication) -> ActorEvenIfDeleting:
        if authentication.actor is None:
            raise NotFound("organization not found")
        return ActorEvenIfDeleting(authentication.actor)
