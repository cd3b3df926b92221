"""The retention purge on PostgreSQL: old published outbox rows, processed-event and Stripe-event records,
expired tokens, expired invitations (suspended organizations too) and finished reports with their files go,
in batches; everything younger (or still needed) stays; the metric counts what went."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from litestar.testing import AsyncTestClient
from prometheus_client import REGISTRY

from application.ports.reports import FileStore
from application.retention import PurgeRetainedData
from entrypoints.app import create_app
from entrypoints.settings import Settings, asyncpg_url
from tests.fixtures.api import register

OLD, RECENT = timedelta(days=40), timedelta(hours=1)


def removed_metric(kind: str) -> float:
    return REGISTRY.get_sample_value("chapterhouse_retention_removed_total", {"kind": kind}) or 0.0


async def one_chunk() -> AsyncIterator[bytes]:
    yield b"user_id,email\n"


async def seed(conn: asyncpg.Connection, org_id: uuid.UUID, user_id: uuid.UUID) -> dict[str, list[object]]:
    now = datetime.now(UTC)
    ids: dict[str, list[object]] = {}
    for age, key in ((OLD, "old"), (RECENT, "recent")):
        outbox_id, event_id, stripe_id = uuid.uuid4(), uuid.uuid4(), f"evt_{uuid.uuid4().hex}"
        await conn.execute(
            "INSERT INTO outbox (id, name, payload, occurred_at, published_at) VALUES ($1, 't', '{}', $2, $2)",
            outbox_id,
            now - age,
        )
        await conn.execute(
            "INSERT INTO processed_events (handler, event_id, processed_at) VALUES ('t', $1, $2)", event_id, now - age
        )
        await conn.execute(
            "INSERT INTO stripe_events (id, type, created, outcome, received_at) VALUES ($1, 't', 1, 'applied', $2)",
            stripe_id,
            now - age,
        )
        token_id = uuid.uuid4()
        await conn.execute(
            "INSERT INTO access_tokens (id, token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $4)",
            token_id,
            uuid.uuid4().bytes,
            user_id,
            now - age,
        )
        invitation_id = uuid.uuid4()
        await conn.execute(
            "INSERT INTO invitations (organization_id, id, email, role, created_at, expires_at)"
            " VALUES ($1, $2, 'x@example.com', 'member', $3, $3)",
            org_id,
            invitation_id,
            now - age,
        )
        ids[key] = [outbox_id, event_id, stripe_id, token_id, invitation_id]
    unpublished = uuid.uuid4()  # old but never relayed: the relay still needs it
    await conn.execute(
        "INSERT INTO outbox (id, name, payload, occurred_at) VALUES ($1, 't', '{}', $2)", unpublished, now - OLD
    )
    ids["recent"].append(unpublished)
    return ids


async def exists(conn: asyncpg.Connection, ids: list[object]) -> list[bool]:
    outbox_id, event_id, stripe_id, token_id, invitation_id, *unpublished = ids
    checks = [
        ("outbox", "id", outbox_id),
        ("processed_events", "event_id", event_id),
        ("stripe_events", "id", stripe_id),
        ("access_tokens", "id", token_id),
        ("invitations", "id", invitation_id),
    ] + [("outbox", "id", u) for u in unpublished]
    return [bool(await conn.fetchval(f"SELECT count(*) FROM {t} WHERE {c} = $1", v)) for t, c, v in checks]


async def test_the_purge_removes_only_what_outlived_its_retention(settings: Settings, tmp_path: Path) -> None:
    app = create_app(replace(settings, data_dir=tmp_path, retention_batch_size=2))  # small: several batches
    async with AsyncTestClient(app=app) as client:
        owner = await register(client)
        org_id = uuid.UUID((await owner.create_org())["id"])
        requested = await client.post(f"/api/orgs/{org_id}/reports", json={"kind": "members"}, headers=owner.headers)
        assert requested.status_code == 202, requested.text
    report_id = uuid.UUID(requested.json()["report_id"])
    container = app.state.dishka_container
    files = await container.get(FileStore)
    await files.write(f"reports/{report_id}.csv", one_chunk())

    assert settings.database_url
    conn = await asyncpg.connect(asyncpg_url(settings.database_url))  # the owner: no RLS in the way
    try:
        ids = await seed(conn, org_id, uuid.UUID(owner.id))
        await conn.execute(
            "UPDATE reports SET status = 'ready', completed_at = $2, file_key = $3 WHERE id = $1",
            report_id,
            datetime.now(UTC) - OLD,
            f"reports/{report_id}.csv",
        )
        await conn.execute("UPDATE organizations SET suspended_at = now() WHERE id = $1", org_id)
        before = {kind: removed_metric(kind) for kind in ("outbox", "invitations", "reports", "access_tokens")}

        async with container() as request:
            removed = await (await request.get(PurgeRetainedData)).execute()

        assert await exists(conn, ids["old"]) == [False] * 5
        assert await exists(conn, ids["recent"]) == [True] * 6
        assert not await conn.fetchval("SELECT count(*) FROM reports WHERE id = $1", report_id)
        assert not (tmp_path / "files" / "reports" / f"{report_id}.csv").exists()
        for kind in ("outbox", "processed_events", "stripe_events", "access_tokens", "invitations", "reports"):
            assert removed[kind] >= 1, (kind, removed)
        for kind, value in before.items():
            assert removed_metric(kind) - value == removed[kind]
    finally:
        await conn.close()
