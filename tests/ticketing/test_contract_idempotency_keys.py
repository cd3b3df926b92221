"""The idempotency key store on the memory twin and PostgreSQL alike: held per (organization, user, scope,
key), committed with the unit of work or not at all."""

from __future__ import annotations

import uuid

from application.ports.idempotency import IdempotencyRecord
from domain.permissions import Role
from tests.fixtures.backends import Backend


async def test_a_key_is_held_once_committed_and_only_where_it_was_taken(backend: Backend) -> None:
    org, (owner, member) = await backend.organization(Role.OWNER, Role.MEMBER)
    other_org, _ = await backend.organization(Role.OWNER)
    first, second = IdempotencyRecord("a" * 64, uuid.uuid4()), IdempotencyRecord("b" * 64, uuid.uuid4())

    async with backend.uow(org, owner.user_id) as uow:
        assert await uow.idempotency_keys.claim(owner.user_id, "orders", "k-1", first) is None
        # left without commit: rolled back, the key is free again
    async with backend.uow(org, owner.user_id) as uow:
        assert await uow.idempotency_keys.get(owner.user_id, "orders", "k-1") is None
        assert await uow.idempotency_keys.claim(owner.user_id, "orders", "k-1", first) is None
        await uow.commit()

    async with backend.uow(org, owner.user_id) as uow:
        assert await uow.idempotency_keys.get(owner.user_id, "orders", "k-1") == first
        assert await uow.idempotency_keys.claim(owner.user_id, "orders", "k-1", second) == first
        assert await uow.idempotency_keys.get(member.user_id, "orders", "k-1") is None
        assert await uow.idempotency_keys.get(owner.user_id, "other-scope", "k-1") is None
    async with backend.uow(other_org, owner.user_id) as uow:
        assert await uow.idempotency_keys.get(owner.user_id, "orders", "k-1") is None
