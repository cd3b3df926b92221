from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from domain.errors import Conflict, InvalidInput

_UNIQUE_MESSAGES = {
    "uq_users_email": "an account with this email already exists",
    "uq_organizations_slug": "this slug is taken",
    "pk_memberships": "already a member",
}


def translate_integrity_error(exc: IntegrityError) -> Exception:
    """Map a constraint violation to a domain error; the SQL error never leaks upward."""
    orig = getattr(exc.orig, "__cause__", None) or exc.orig
    constraint = getattr(orig, "constraint_name", None) or ""
    sqlstate = getattr(orig, "sqlstate", None) or getattr(exc.orig, "sqlstate", None)
    if sqlstate == "23505":
        return Conflict(_UNIQUE_MESSAGES.get(constraint, "this already exists"))
    if sqlstate == "23503":
        return InvalidInput("a referenced object does not exist")
    return Conflict("the change conflicts with the current state")
