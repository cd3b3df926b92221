"""Write-side ports: repositories reached through a unit of work opened for one tenant."""

from __future__ import annotations

import uuid
from types import TracebackType
from typing import Protocol, Self

from domain.events import Aggregate, DomainEvent
from domain.identity import AccessToken, User
from domain.invitations import Invitation
from domain.organizations import Membership, Organization


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Raises domain.errors.Conflict when the email is taken."""
        ...

    async def get(self, user_id: uuid.UUID) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None: ...


class AccessTokenRepository(Protocol):
    async def add(self, token: AccessToken) -> None: ...

    async def get_by_hash(self, token_hash: bytes) -> AccessToken | None: ...

    async def revoke_all_for_user(self, user_id: uuid.UUID, *, keep: bytes | None = None) -> int:
        """Revokes every valid token of the user but the one whose hash is ``keep``; returns how many."""
        ...


class OrganizationRepository(Protocol):
    async def add(self, organization: Organization) -> None:
        """Raises domain.errors.Conflict when the slug is taken."""
        ...

    async def get(self, organization_id: uuid.UUID) -> Organization | None: ...


class MembershipRepository(Protocol):
    """Memberships of the unit of work's organization only."""

    async def add(self, membership: Membership) -> None:
        """Raises domain.errors.Conflict when the user is already a member."""
        ...

    async def get(self, user_id: uuid.UUID) -> Membership | None: ...

    async def get_for_update(self, user_id: uuid.UUID) -> Membership | None: ...

    async def count_owners(self) -> int:
        """Counts (and locks) the owners, so two concurrent demotions cannot remove the last one."""
        ...

    async def remove(self, membership: Membership) -> None: ...


class InvitationRepository(Protocol):
    """Invitations of the unit of work's organization only."""

    async def add(self, invitation: Invitation) -> None: ...

    async def get_for_update(self, invitation_id: uuid.UUID) -> Invitation | None: ...


class UnitOfWork(Protocol):
    """One transaction, scoped to one organization (or none, for global tables only).

    commit() stores the state changes and the domain events of every aggregate handed to
    collect() (or added) in the outbox, atomically; leaving without commit rolls back.
    """

    users: UserRepository
    access_tokens: AccessTokenRepository
    organizations: OrganizationRepository
    memberships: MembershipRepository
    invitations: InvitationRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def collect(self, *aggregates: Aggregate) -> None:
        """Take the aggregates' pending events into this transaction."""
        ...

    def record(self, event: DomainEvent) -> None: ...

    async def write_events(self) -> None:
        """Write the events collected so far into the outbox (and audit log) now, inside the transaction,
        instead of at commit: a hot path then holds its row locks for fewer statements. Rolled back
        with everything else if the unit of work does not commit; later events are written by commit()."""
        ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, organization_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None) -> UnitOfWork:
        """A unit of work that sees the given tenant's rows (and the user's own memberships)."""
        ...
