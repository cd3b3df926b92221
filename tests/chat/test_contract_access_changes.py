"""The access-change reader on the memory twin and PostgreSQL alike: removals, role changes and suspensions
committed after a moment, across organizations, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.ports.access_changes import AccessChanges
from domain.events import DomainEvent
from domain.permissions import Role
from tests.fixtures.backends import Backend


async def test_removals_role_changes_and_suspensions_since_a_moment(backend: Backend) -> None:
    b = backend
    changes: AccessChanges = (await b.reads()).access_changes
    before = datetime.now(UTC) - timedelta(seconds=1)
    org, (owner, member) = await b.organization(Role.OWNER, Role.MEMBER)
    other_org, (other_owner,) = await b.organization(Role.OWNER)
    events = [
        DomainEvent.of("member.removed", org, {"user_id": str(member.user_id)}, owner.user_id),
        DomainEvent.of(
            "member.role_changed", org, {"user_id": str(owner.user_id), "from": "owner", "to": "admin"}, owner.user_id
        ),
        DomainEvent.of("organization.suspended", other_org, {"reason": None}, other_owner.user_id),
        DomainEvent.of("chapter.created", org, {"user_id": str(member.user_id)}, owner.user_id),  # not one
    ]
    for organization, actor in ((org, owner), (other_org, other_owner)):
        async with b.uow(organization, actor.user_id) as uow:
            for event in events:
                if event.organization_id == organization:
                    uow.record(event)
            await uow.commit()

    found = {c.id: c for c in await changes.since(before)}
    mine = {events[0].id, events[1].id, events[2].id}
    assert mine <= set(found)
    assert events[3].id not in found
    assert (found[events[0].id].organization_id, found[events[0].id].user_id) == (org, member.user_id)
    assert found[events[1].id].user_id == owner.user_id
    assert (found[events[2].id].organization_id, found[events[2].id].user_id) == (other_org, None)
    assert not mine & {c.id for c in await changes.since(datetime.now(UTC) + timedelta(seconds=1))}
