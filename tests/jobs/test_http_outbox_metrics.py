"""Operations: /metrics shows how many outbox rows wait for the relay, and how long the oldest has waited."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.persistence.jobs import tables as t
from domain.ids import new_id
from entrypoints.database import create_engine
from entrypoints.settings import Settings
from tests.fixtures.api import register


async def mark_all_published(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        unpublished = t.outbox.c.published_at.is_(None)
        await conn.execute(sa.update(t.outbox).where(unpublished).values(published_at=sa.func.now()))


def sample(metrics: str, name: str) -> float:
    match = re.search(rf"^{name} (\S+)$", metrics, re.MULTILINE)
    assert match is not None, f"{name} is not in /metrics"
    return float(match.group(1))


async def test_outbox_gauges_follow_the_unpublished_rows(client, settings: Settings) -> None:
    engine = create_engine(settings)  # the test's own: the app's pool belongs to the app's requests
    try:
        await check_gauges(client, engine)
    finally:
        await engine.dispose()


async def check_gauges(client: Any, engine: AsyncEngine) -> None:
    # No relay runs in this app: what earlier tests left waiting is marked relayed, to start from nothing.
    await mark_all_published(engine)
    metrics = (await client.get("/metrics")).text
    assert sample(metrics, "chapterhouse_outbox_unpublished") == 0
    assert sample(metrics, "chapterhouse_outbox_oldest_unpublished_age_seconds") == 0

    user = await register(client)
    await user.create_org()  # records an event: one row or more waiting for the relay
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(t.outbox).values(
                id=new_id(), organization_id=None, name="metrics.test", payload={}, occurred_at=an_hour_ago
            )
        )
        waiting = await conn.scalar(sa.select(sa.func.count()).where(t.outbox.c.published_at.is_(None)))

    metrics = (await client.get("/metrics")).text
    assert sample(metrics, "chapterhouse_outbox_unpublished") == waiting >= 2
    assert sample(metrics, "chapterhouse_outbox_oldest_unpublished_age_seconds") >= 3600

    await mark_all_published(engine)
    metrics = (await client.get("/metrics")).text
    assert sample(metrics, "chapterhouse_outbox_unpublished") == 0
    assert sample(metrics, "chapterhouse_outbox_oldest_unpublished_age_seconds") == 0
