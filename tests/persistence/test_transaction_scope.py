"""The tenant scope lives exactly as long as a transaction, on every path that sets it: the read side's
request transaction, the one-statement members page, app_scope() in a transaction (the unit of work's form);
and the next borrower of the same connection sees no tenant and no rows."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from adapters.persistence.connection import RequestConnection, keep_session
from adapters.persistence.identity.member_pages import PgMemberPages
from adapters.persistence.identity.queries import PgAuthenticator
from application.identity import hash_token
from domain.errors import NotFound
from entrypoints.settings import asyncpg_url
from tests.fixtures.api import register

_SCOPE = "SELECT current_setting('app.organization_id', true), current_setting('app.user_id', true)"


@pytest.fixture
async def one_connection(settings) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(
        asyncpg_url(settings.runtime_database_url), min_size=1, max_size=1, reset=keep_session
    )
    assert pool is not None
    yield pool
    await pool.close()


async def _no_scope_left(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        org, user = await conn.fetchrow(_SCOPE)
        assert (org or "", user or "") == ("", "")
        assert await conn.fetchval("SELECT count(*) FROM memberships") == 0  # RLS: no tenant, no rows
        assert not conn.is_in_transaction()


async def test_a_request_transaction_scopes_its_reads_and_leaves_nothing(client, one_connection) -> None:
    owner = await register(client)
    org = await owner.create_org("Scoped")
    request = RequestConnection(one_connection)
    authentication = await PgAuthenticator(request).authenticate(hash_token(owner.token), uuid.UUID(org["id"]))
    assert authentication.actor is not None
    conn = await request.get()
    assert conn.is_in_transaction()
    assert tuple(await conn.fetchrow(_SCOPE)) == (org["id"], owner.id)
    assert await conn.fetchval("SELECT count(*) FROM memberships") == 1
    await request.release()
    await _no_scope_left(one_connection)


async def test_the_one_statement_members_page_leaves_nothing(client, one_connection) -> None:
    owner = await register(client)
    org = await owner.create_org("One statement")
    request = RequestConnection(one_connection)
    authentication, members = await PgMemberPages(request).members_page(
        hash_token(owner.token), uuid.UUID(org["id"]), limit=10, after=None
    )
    assert authentication.actor is not None and [m.user_id for m in members] == [uuid.UUID(owner.id)]
    conn = await request.for_single_statement()
    assert not conn.is_in_transaction()  # the statement was its own transaction: nothing to end
    await request.release()
    await _no_scope_left(one_connection)


async def test_a_stranger_gets_no_rows_from_the_members_page(client, one_connection) -> None:
    owner = await register(client)
    stranger = await register(client)
    org = await owner.create_org("Not yours")
    request = RequestConnection(one_connection)
    with pytest.raises(NotFound, match="organization not found"):
        await PgMemberPages(request).members_page(
            hash_token(stranger.token), uuid.UUID(org["id"]), limit=10, after=None
        )
    await request.release()
    await _no_scope_left(one_connection)


async def test_app_scope_in_a_transaction_ends_with_it(client, one_connection) -> None:
    owner = await register(client)
    org = await owner.create_org("Write side")
    async with one_connection.acquire() as conn:
        async with conn.transaction():
            await conn.execute("SELECT app_scope($1, $2)", uuid.UUID(org["id"]), uuid.UUID(owner.id))
            assert tuple(await conn.fetchrow(_SCOPE)) == (org["id"], owner.id)
            assert await conn.fetchval("SELECT count(*) FROM memberships") == 1
        assert tuple(await conn.fetchrow(_SCOPE)) == ("", "")
    await _no_scope_left(one_connection)


async def test_a_transaction_left_open_is_rolled_back_on_release(one_connection) -> None:
    async with one_connection.acquire() as conn:
        await conn.execute("BEGIN")
        await conn.execute("SELECT app_scope($1, NULL)", uuid.uuid4())
    await _no_scope_left(one_connection)
