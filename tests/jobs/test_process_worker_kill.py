"""kill -9 a worker process in the middle of 200 jobs: every effect happens, none twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator

import asyncpg
import pytest
from scripts.services import ROOT

from entrypoints.settings import Settings, asyncpg_url
from tests.fixtures.jobs import eventually
from tests.jobs.kill_worker import EFFECT_APPLIED, KILL_EFFECT_EVENT

JOBS = 200


@pytest.fixture
def start_worker(job_settings: Settings) -> Iterator[object]:
    processes: list[subprocess.Popen[bytes]] = []

    def start() -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "APP_ENV": "test",
            "DATABASE_URL": job_settings.database_url or "",
            "REDIS_URL": job_settings.redis_url or "",
            "REDIS_CLUSTER": "1" if job_settings.redis_cluster else "",
            "JOB_QUEUE": job_settings.job_queue,
            "JOB_REDELIVERY_SECONDS": str(job_settings.job_redelivery_seconds),
            "SECRET_KEY": job_settings.secret_key,
            "DB_POOL_SIZE": "10",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        }
        process = subprocess.Popen([sys.executable, "-m", "tests.jobs.kill_worker"], cwd=ROOT, env=env)
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


async def effects(conn: asyncpg.Connection, organization_id: str) -> dict[str, int]:
    async with conn.transaction():
        await conn.execute("SELECT set_config('app.organization_id', $1, true)", organization_id)
        rows = await conn.fetch(
            "SELECT details->>'key' AS key, count(*) AS n FROM audit_log WHERE action = $1 GROUP BY 1",
            EFFECT_APPLIED,
        )
    return {r["key"]: r["n"] for r in rows}


async def test_kill_9_mid_batch_every_effect_once(client, job_settings: Settings, start_worker) -> None:
    from tests.fixtures.api import register

    admin = await register(client)
    org = await admin.create_org()
    keys = [f"job-{n:03d}" for n in range(JOBS)]
    owner = await asyncpg.connect(asyncpg_url(job_settings.database_url or ""))
    app_conn = await asyncpg.connect(asyncpg_url(job_settings.runtime_database_url))
    try:
        await owner.executemany(
            "INSERT INTO outbox (id, organization_id, name, payload, actor_id, occurred_at)"
            " VALUES ($1, $2, $3, $4::jsonb, $5, now())",
            [
                (
                    uuid.uuid4(),
                    uuid.UUID(org["id"]),
                    KILL_EFFECT_EVENT,
                    json.dumps({"key": key, "work_seconds": 0.05}),
                    uuid.UUID(admin.id),
                )
                for key in keys
            ],
        )
        first = start_worker()
        await eventually(lambda: _at_least(effects(app_conn, org["id"]), 20), within=60, what="some effects")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        applied_at_kill = len(await effects(app_conn, org["id"]))
        assert applied_at_kill < JOBS, "the kill must land in the middle of the batch"

        start_worker()
        await eventually(lambda: _at_least(effects(app_conn, org["id"]), JOBS), within=90, what="all effects")
        counts = await effects(app_conn, org["id"])
        assert set(counts) == set(keys)
        assert max(counts.values()) == 1
    finally:
        await owner.close()
        await app_conn.close()


async def _at_least(pending: object, n: int) -> bool:
    return len(await pending) >= n  # type: ignore[misc]
