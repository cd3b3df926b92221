"""Database errors as domain errors, in one place: the SQL error never leaks upward."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Conflict, InvalidInput

# Unique constraints (and primary keys) whose violation the client can act on, by constraint name.
_UNIQUE_MESSAGES = {
    "uq_users_email": "an account with this email already exists",
    "uq_organizations_slug": "this slug is taken",
    "pk_memberships": "already a member",
    "uq_chapters_organization_id_slug": "a chapter with this slug exists",
    "pk_chapter_members": "already a member of this chapter",
    "pk_team_members": "already a member of this team",
    "uq_tickets_organization_id_code": "ticket code collision; try again",
}

# Serialization failure and deadlock: the transaction lost a race, the client may retry.
_RETRYABLE_SQLSTATES = ("40001", "40P01")


def translate_integrity_error(exc: IntegrityError) -> Exception:
    """Map a constraint violation to a domain error."""
    orig = getattr(exc.orig, "__cause__", None) or exc.orig
    constraint = getattr(orig, "constraint_name", None) or ""
    sqlstate = getattr(orig, "sqlstate", None) or getattr(exc.orig, "sqlstate", None)
    if sqlstate == "23505":
        return Conflict(_UNIQUE_MESSAGES.get(constraint, "this already exists"))
    if sqlstate == "23503":
        return InvalidInput("a referenced object does not exist")
    return Conflict("the change conflicts with the current state")


def is_retryable(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES


@asynccontextmanager
async def domain_errors() -> AsyncIterator[None]:
    """Constraint violations, serialization failures and deadlocks inside the block as domain errors."""
    try:
        yield
    except IntegrityError as exc:
        raise translate_integrity_error(exc) from None
    except DBAPIError as exc:
        if is_retryable(exc):
            raise Conflict("a concurrent change got there first; try again") from None
        raise


async def flush(session: AsyncSession) -> None:
    async with domain_errors():
        await session.flush()


async def add_and_flush(session: AsyncSession, *objects: object) -> None:
    session.add_all(objects)
    await flush(session)
