"""Two real `chapterhouse scheduler` processes: each scheduled job is kicked once per tick between them, and
after kill -9 of the one that kicked last, the other kicks every following tick (no gap, no double)."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import pytest
import redis.asyncio
from scripts.services import ROOT

from adapters.queue.schedule import KICKED_BY_LABEL, TICK_LABEL
from adapters.queue.tasks import SCHEDULES
from tests.fixtures.jobs import eventually

TICK = 2  # seconds (SCHEDULER_TICK_SECONDS): every scheduled job runs once per tick


@pytest.fixture
def schedulers(redis_url: str) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    queue = f"test-scheduler:{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "APP_ENV": "test",
        "REDIS_URL": redis_url,
        "JOB_QUEUE": queue,
        "SCHEDULER_TICK_SECONDS": str(TICK),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    processes = [
        subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "scheduler"], cwd=ROOT, env=env) for _ in range(2)
    ]
    yield queue, processes
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


async def kicks(client: redis.asyncio.Redis, queue: str) -> list[tuple[str, int, str]]:
    """(task name, tick, kicking process) of every message the schedulers put on the queue."""
    found = []
    for _, fields in await client.xrange(queue):
        message = json.loads(fields[b"data"])
        labels = message["labels"]
        found.append((message["task_name"], int(labels[TICK_LABEL]), labels[KICKED_BY_LABEL]))
    return found


async def test_two_schedulers_kick_once_per_tick_and_one_takes_over_after_kill_9(redis_url, schedulers):
    queue, processes = schedulers
    client = redis.asyncio.Redis.from_url(redis_url)
    try:

        async def ticks_seen() -> int:
            return len({tick for _, tick, _ in await kicks(client, queue)})

        await eventually(lambda: _at_least(ticks_seen(), 3), within=60, what="three ticks from both schedulers")
        before = await kicks(client, queue)
        latest = max(tick for _, tick, _ in before)
        last_owner = next(owner for _, tick, owner in before if tick == latest)
        victim = next(p for p in processes if last_owner.endswith(f":{p.pid}"))
        survivor = next(p for p in processes if p is not victim)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        killed_at = int(time.time() // TICK)

        async def ticks_after_kill() -> int:
            return len({tick for _, tick, _ in await kicks(client, queue) if tick > killed_at})

        await eventually(lambda: _at_least(ticks_after_kill(), 3), within=60, what="three ticks after the kill")
        everything = await kicks(client, queue)
    finally:
        await client.aclose()

    per_job_and_tick = collections.Counter((task, tick) for task, tick, _ in everything)
    assert max(per_job_and_tick.values()) == 1, "a job was kicked twice in one tick"
    assert {task for task, _, _ in everything} == set(SCHEDULES)
    for task in SCHEDULES:
        ticks = sorted(tick for name, tick, _ in everything if name == task and tick > killed_at)
        assert ticks == list(range(killed_at + 1, ticks[-1] + 1)), f"{task} missed a tick after the kill"
    after = {owner for _, tick, owner in everything if tick > killed_at}
    assert after == {next(o for _, _, o in everything if o.endswith(f":{survivor.pid}"))}


async def _at_least(value: object, n: int) -> bool:
    return await value >= n  # type: ignore[operator, misc]
