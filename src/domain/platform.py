"""The platform's operators (not a tenant role): suspending and reactivating organizations."""

from __future__ import annotations

from datetime import datetime

from domain.errors import Conflict, PermissionDenied
from domain.events import DomainEvent
from domain.organizations import Organization
from domain.permissions import Principal


def require_platform_admin(principal: Principal) -> None:
    if not principal.platform_admin:
        raise PermissionDenied("only the platform's operators may do this")


def suspend(organization: Organization, admin: Principal, *, reason: str | None, now: datetime) -> None:
    """Members get 403 on the organization's routes from now on; its data is kept."""
    require_platform_admin(admin)
    if organization.suspended_at is not None:
        raise Conflict("the organization is suspended already")
    organization.suspended_at = now
    organization.record(
        DomainEvent.of(
            "organization.suspended",
            organization.id,
            {"by_platform_admin": str(admin.user_id), "reason": reason},
            admin.user_id,
        )
    )


def reactivate(organization: Organization, admin: Principal) -> None:
    require_platform_admin(admin)
    if organization.suspended_at is None:
        raise Conflict("the organization is not suspended")
    organization.suspended_at = None
    organization.record(
        DomainEvent.of(
            "organization.reactivated", organization.id, {"by_platform_admin": str(admin.user_id)}, admin.user_id
        )
    )
