"""Domain errors. Adapters map each kind to a transport status; nothing here knows HTTP."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every rule the model refuses."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(DomainError):
    """A value breaks a rule of the model (bad email, ends before it starts, ...)."""


class NotFound(DomainError):
    """Absent, or belongs to another organization: callers can never tell which."""


class PermissionDenied(DomainError):
    """The actor is a member, but their role does not allow the action."""


class Conflict(DomainError):
    """The action clashes with the current state (taken slug, last owner, sold out, ...)."""


class AuthenticationFailed(DomainError):
    """No, bad, expired or revoked credentials."""


class InvalidToken(DomainError):
    """A signed token is malformed, tampered with, expired or already used."""


class OrganizationDeleting(DomainError):
    """The organization is scheduled for deletion: only its restore (and export) answer."""


class OrganizationSuspended(DomainError):
    """The organization is suspended by the platform operators; its data is kept."""


class EntitlementExceeded(DomainError):
    """The organization's plan does not allow this (one more member, paid tickets, ...): upgrade to do it.

    Carries what was hit, so clients can show "your plan allows 5 members" and offer an upgrade.
    """

    def __init__(self, detail: str, *, entitlement: str, limit: int | bool | None, plan: str) -> None:
        super().__init__(detail)
        self.entitlement, self.limit, self.plan = entitlement, limit, plan

    @property
    def extra(self) -> dict[str, object]:
        return {"entitlement": self.entitlement, "limit": self.limit, "plan": self.plan}
