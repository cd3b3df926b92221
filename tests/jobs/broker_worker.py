"""A worker process for the crash tests: ``python -m tests.jobs.broker_worker URL QUEUE IDLE_MS``.

It builds the broker the same way as production wiring would and runs taskiq's receiver in-process
(``taskiq.api.run_receiver_task``), so the test can SIGKILL exactly one process that owns pending messages.
The task records its effect behind an idempotency check, so redeliveries are visible but harmless.
"""

from __future__ import annotations

import asyncio
import sys

from taskiq.api import run_receiver_task

from adapters.queue import ReliableRedisStreamBroker

RECORD_EFFECT_TASK = "tests.record_effect"

# Atomic idempotency check + effect: the job key joins the applied set once, and only then is its
# per-key counter incremented. A kill between script calls cannot half-apply an effect.
_APPLY_ONCE = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
    redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
    return 1
end
redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
return 0
"""


def effect_keys(namespace: str) -> dict[str, str]:
    return {
        "deliveries": f"{namespace}:deliveries",  # hash job key -> executions started
        "applied": f"{namespace}:applied",  # set of job keys whose effect happened
        "applied_count": f"{namespace}:applied-count",  # hash job key -> times the effect was applied
        "duplicates": f"{namespace}:duplicates",  # hash job key -> redeliveries stopped by the check
    }


def build_broker(redis_url: str, queue_name: str, idle_timeout_ms: int = 600_000) -> ReliableRedisStreamBroker:
    broker = ReliableRedisStreamBroker(
        redis_url,
        queue_name=queue_name,
        consumer_group_name=f"{queue_name}-workers",
        idle_timeout=idle_timeout_ms,
        reclaim_interval=min(idle_timeout_ms / 4000, 1.0),
        xread_block=500,
    )

    @broker.task(task_name=RECORD_EFFECT_TASK)
    async def record_effect(namespace: str, job_key: str, work_seconds: float = 0.0) -> None:
        keys = effect_keys(namespace)
        await broker.redis.hincrby(keys["deliveries"], job_key, 1)
        await asyncio.sleep(work_seconds / 2)
        await broker.redis.eval(_APPLY_ONCE, 3, keys["applied"], keys["applied_count"], keys["duplicates"], job_key)
        # Work after the effect widens the window in which a kill leaves an applied but unacked job.
        await asyncio.sleep(work_seconds / 2)

    return broker


async def main(redis_url: str, queue_name: str, idle_timeout_ms: int, max_async_tasks: int) -> None:
    broker = build_broker(redis_url, queue_name, idle_timeout_ms)
    broker.is_worker_process = True
    await broker.startup()
    try:
        await run_receiver_task(broker, max_async_tasks=max_async_tasks, run_startup=False)
    finally:
        await broker.shutdown()


if __name__ == "__main__":
    url, queue, idle_ms, concurrency = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    asyncio.run(main(url, queue, idle_ms, concurrency))
