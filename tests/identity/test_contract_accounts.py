"""One set of cases, two adapters: the account-token repository, the token codec and the organization purger
behave the same on the in-memory twins and on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from adapters.security.common_passwords import ZxcvbnCommonPasswords
from adapters.security.tokens import HmacAccountTokenCodec
from application.account_tokens import account_token_hash
from domain.account_tokens import AccountToken, TokenPurpose
from domain.errors import Conflict, InvalidToken
from domain.identity import User
from domain.organizations import Organization
from domain.permissions import Actor, Role
from tests.fixtures.backends import Backend

NOW = datetime.now(UTC)


async def a_user(backend: Backend) -> User:
    user = User.register(email=f"{uuid.uuid4().hex[:10]}@example.com", name="T", password_hash="h", now=NOW)
    async with backend.uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


def a_token(user: User, purpose: TokenPurpose, *, at: datetime = NOW) -> AccountToken:
    token = AccountToken.issue(user_id=user.id, purpose=purpose, now=at)
    token.token_hash = account_token_hash(HmacAccountTokenCodec("k").encode(purpose, token.id))
    return token


async def test_tokens_are_stored_found_and_listed_while_open(backend: Backend) -> None:
    user, other = await a_user(backend), await a_user(backend)
    reset, verify = a_token(user, TokenPurpose.PASSWORD_RESET), a_token(user, TokenPurpose.EMAIL_VERIFICATION)
    old = a_token(user, TokenPurpose.PASSWORD_RESET, at=NOW - timedelta(hours=2))
    theirs = a_token(other, TokenPurpose.PASSWORD_RESET)
    async with backend.uow() as uow:
        for token in (reset, verify, old, theirs):
            await uow.account_tokens.add(token)
        await uow.commit()
    async with backend.uow() as uow:
        found = await uow.account_tokens.get_for_update(reset.id)
        assert found is not None and (found.user_id, found.purpose, found.token_hash) == (
            user.id,
            TokenPurpose.PASSWORD_RESET,
            reset.token_hash,
        )
        assert await uow.account_tokens.get_for_update(uuid.uuid4()) is None
        opened = await uow.account_tokens.open_for_user(user.id, TokenPurpose.PASSWORD_RESET, NOW)
        assert [t.id for t in opened] == [reset.id]  # not the expired one, not the other kind, not theirs
        found.redeem(purpose=TokenPurpose.PASSWORD_RESET, token_hash=reset.token_hash, now=NOW)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.account_tokens.open_for_user(user.id, TokenPurpose.PASSWORD_RESET, NOW) == []
        stored = await uow.account_tokens.get_for_update(reset.id)
        assert stored is not None and stored.used_at is not None
    duplicate = a_token(user, TokenPurpose.PASSWORD_RESET)
    duplicate.token_hash = reset.token_hash
    with pytest.raises(Conflict):
        async with backend.uow() as uow:
            await uow.account_tokens.add(duplicate)
            await uow.commit()


async def test_revoking_all_tokens_but_one(backend: Backend) -> None:
    from domain.identity import AccessToken

    user = await a_user(backend)
    tokens = [
        AccessToken(token_hash=uuid.uuid4().bytes, user_id=user.id, created_at=NOW, expires_at=NOW + timedelta(hours=1))
        for _ in range(3)
    ]
    async with backend.uow() as uow:
        for token in tokens:
            await uow.access_tokens.add(token)
        assert await uow.access_tokens.revoke_all_for_user(user.id, keep=tokens[0].token_hash) == 2
        await uow.commit()
    async with backend.uow() as uow:
        states = [await uow.access_tokens.get_by_hash(t.token_hash) for t in tokens]
        assert [s is not None and s.revoked_at is None for s in states] == [True, False, False]


async def test_the_purger_removes_only_due_organizations_rows(backend: Backend) -> None:
    owner = await a_user(backend)
    orgs = []
    for slug in ("due", "kept"):
        organization, membership = Organization.found(
            name=slug, slug=f"{slug}-{uuid.uuid4().hex[:8]}", owner_id=owner.id, now=NOW
        )
        async with backend.uow(organization.id, owner.id) as uow:
            await uow.organizations.add(organization)
            await uow.memberships.add(membership)
            await uow.commit()
        orgs.append(organization)
    due, kept = orgs
    async with backend.uow(due.id, owner.id) as uow:
        organization = await uow.organizations.get(due.id)
        assert organization is not None
        organization.schedule_deletion(Actor(owner.id, due.id, Role.OWNER), NOW - timedelta(days=31))
        await uow.commit()
    assert due.id in await backend.organization_purger.due(NOW - timedelta(days=30))
    assert kept.id not in await backend.organization_purger.due(NOW)
    assert due.id not in await backend.organization_purger.due(NOW - timedelta(days=40))
    removed = []
    while batch := await backend.organization_purger.purge_batch(due.id, 1):
        removed.append(batch)
    assert removed and set(removed) == {1}
    await backend.organization_purger.forget(due.id)
    await backend.organization_purger.forget(kept.id)  # not scheduled: kept
    async with backend.uow(due.id, owner.id) as uow:
        assert await uow.organizations.get(due.id) is None
        assert await uow.memberships.get(owner.id) is None
    async with backend.uow(kept.id, owner.id) as uow:
        assert await uow.organizations.get(kept.id) is not None
        assert await uow.memberships.get(owner.id) is not None


def test_the_codec_signs_id_and_purpose() -> None:
    codec, token_id = HmacAccountTokenCodec("k"), uuid.uuid4()
    token = codec.encode(TokenPurpose.PASSWORD_RESET, token_id)
    assert codec.decode(TokenPurpose.PASSWORD_RESET, token) == token_id
    assert codec.encode(TokenPurpose.PASSWORD_RESET, token_id) == token  # deterministic: rebuilt by the job
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), token[:10], "!" * 43, "x" * 65):
        with pytest.raises(InvalidToken):
            codec.decode(TokenPurpose.PASSWORD_RESET, bad)
    with pytest.raises(InvalidToken):
        codec.decode(TokenPurpose.EMAIL_VERIFICATION, token)
    with pytest.raises(InvalidToken):
        HmacAccountTokenCodec("another secret").decode(TokenPurpose.PASSWORD_RESET, token)


def test_a_token_is_refused_when_used_expired_or_of_another_kind() -> None:
    token = AccountToken.issue(user_id=uuid.uuid4(), purpose=TokenPurpose.PASSWORD_RESET, now=NOW)
    token.token_hash = b"h"
    with pytest.raises(InvalidToken):
        token.redeem(purpose=TokenPurpose.EMAIL_VERIFICATION, token_hash=b"h", now=NOW)
    with pytest.raises(InvalidToken):
        token.redeem(purpose=TokenPurpose.PASSWORD_RESET, token_hash=b"other", now=NOW)
    with pytest.raises(InvalidToken):
        token.redeem(purpose=TokenPurpose.PASSWORD_RESET, token_hash=b"h", now=NOW + timedelta(hours=1))
    token.redeem(purpose=TokenPurpose.PASSWORD_RESET, token_hash=b"h", now=NOW + timedelta(minutes=59))
    with pytest.raises(InvalidToken):
        token.redeem(purpose=TokenPurpose.PASSWORD_RESET, token_hash=b"h", now=NOW + timedelta(minutes=59))


def test_the_common_password_list_is_zxcvbns_top_ten_thousand() -> None:
    common = ZxcvbnCommonPasswords()
    assert all(common.is_common(p) for p in ("123456", "password", "PASSWORD", "dragon"))
    assert not any(common.is_common(p) for p in ("correct horse battery", "tangerine-otter-1987"))
