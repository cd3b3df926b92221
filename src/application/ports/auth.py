from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from domain.permissions import Actor, Principal


@dataclass(frozen=True)
class Authentication:
    principal: Principal
    actor: Actor | None
    # The organization of the path is scheduled for deletion: its routes refuse, except restore (and export).
    organization_deleting: bool = False


class Authenticator(Protocol):
    async def authenticate(self, token_hash: bytes, organization_id: uuid.UUID | None) -> Authentication:
        """Resolve a bearer token (by its hash) and, when given, the user's role in that organization.

        Raises AuthenticationFailed for an unknown, expired or revoked token, NotFound when the user
        is not a member of the organization (or it does not exist), OrganizationSuspended when it is
        suspended. ``organization_deleting`` tells the caller to refuse the routes of an organization
        scheduled for deletion (the caller decides which still answer).
        Implementations also scope the request's reads to that organization.
        """
        ...
