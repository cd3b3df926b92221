"""Retries with exponential backoff and dead letters, without taskiq's scheduler.

taskiq's ``SmartRetryMiddleware`` delays retries only through a schedule source and a running scheduler;
without them a retry is immediate. Here a failed job is parked in Redis (a sorted set by due
time, the message body in a hash) before its delivery is acknowledged, and the worker moves due messages
back into the stream with one Lua script — atomic, so a retry is neither lost nor doubled. After the last
try the job becomes a dead letter (a port: the composition root gives the SQL table).
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from redis.asyncio import Redis
from taskiq import AsyncBroker, TaskiqMessage, TaskiqMiddleware, TaskiqResult
from taskiq.message import BrokerMessage

from application.ports.jobs import DeadLetter, DeadLetters
from domain.ids import new_id

logger = logging.getLogger(__name__)

ATTEMPT_LABEL = "attempt"
# Labels that only mean something inside one worker process (dishka's container id).
_PROCESS_LOCAL_LABELS = ("dishka_container_id",)


class DelayedKicks(Protocol):
    async def schedule(self, message: BrokerMessage, delay_seconds: float) -> None: ...


class RedisDelayedKicks:
    """Durable delays in Redis: ``<prefix>:due`` (ZSET task id -> due time) and ``<prefix>:data`` (HASH)."""

    _MOVE_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, key in ipairs(due) do
    local data = redis.call('HGET', KEYS[2], key)
    if data then
        local queue = string.match(key, '^([^|]*)|')
        redis.call('XADD', queue, '*', 'data', data)
    end
    redis.call('ZREM', KEYS[1], key)
    redis.call('HDEL', KEYS[2], key)
end
return #due
"""

    def __init__(self, redis: Redis, default_queue: str, prefix: str = "chapterhouse:delayed") -> None:
        self._redis = redis
        self._default_queue = default_queue
        self._due_key, self._data_key = f"{prefix}:due", f"{prefix}:data"

    async def schedule(self, message: BrokerMessage, delay_seconds: float) -> None:
        queue = message.labels.get("queue_name") or self._default_queue
        key = f"{queue}|{message.task_id}|{message.labels.get(ATTEMPT_LABEL, '')}"
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self._data_key, key, message.message)
        pipe.zadd(self._due_key, {key: time.time() + delay_seconds})
        await pipe.execute()

    async def move_due(self, limit: int = 500) -> int:
        moved = await self._redis.eval(self._MOVE_DUE, 2, self._due_key, self._data_key, str(time.time()), str(limit))
        return int(moved)

    async def run(self, interval: float = 0.5) -> None:
        """The worker's loop: move due retries into their stream (safe with many workers: atomic)."""
        while True:
            try:
                while await self.move_due() > 0:
                    pass
            except Exception:
                logger.exception("moving due retries failed; trying again")
            await asyncio.sleep(interval)


class InProcessDelayedKicks:
    """Dev mode (in-memory broker): a timer per retry; retries die with the process, like the queue."""

    def __init__(self, broker: AsyncBroker) -> None:
        self._broker = broker
        self._timers: set[asyncio.Task[None]] = set()

    async def schedule(self, message: BrokerMessage, delay_seconds: float) -> None:
        async def later() -> None:
            await asyncio.sleep(delay_seconds)
            await self._broker.kick(message)

        timer = asyncio.create_task(later())
        self._timers.add(timer)
        timer.add_done_callback(self._timers.discard)


class RetryMiddleware(TaskiqMiddleware):
    """``max_attempts`` runs in total, waiting ``base_delay * 2 ** (n - 1)`` (capped) before run n + 1.

    Runs inside the delivery: the retry is parked (or the dead letter written) before the message is
    acknowledged, so a worker dying here means the delivery is repeated, never that the job is lost.
    """

    def __init__(
        self,
        delayed: Callable[[], DelayedKicks],
        dead_letters: Callable[[], Awaitable[DeadLetters]],
        max_attempts: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 300.0,
        on_outcome: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__()
        self._delayed, self._dead_letters = delayed, dead_letters
        # (task name, "retried" | "dead_lettered"), once the retry or the dead letter is recorded (metrics).
        self._on_outcome = on_outcome or (lambda task_name, outcome: None)
        self.max_attempts, self.base_delay, self.max_delay = max_attempts, base_delay, max_delay

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before run ``attempt + 1``."""
        return float(min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))

    async def on_error(self, message: TaskiqMessage, result: TaskiqResult[Any], exception: BaseException) -> None:
        attempt = int(message.labels.get(ATTEMPT_LABEL, 1))
        labels = {k: v for k, v in message.labels.items() if k not in _PROCESS_LOCAL_LABELS}
        if attempt < self.max_attempts:
            retry = message.model_copy(update={"labels": {**labels, ATTEMPT_LABEL: attempt + 1}})
            delay = self.delay_before(attempt)
            logger.warning(
                "task %s (%s) failed on attempt %d/%d (%r); retrying in %.1f s",
                message.task_name,
                message.task_id,
                attempt,
                self.max_attempts,
                exception,
                delay,
            )
            await self._delayed().schedule(self.broker.formatter.dumps(retry), delay)
            self._on_outcome(message.task_name, "retried")
            return
        logger.error("task %s (%s) failed %d times; dead letter", message.task_name, message.task_id, attempt)
        letters = await self._dead_letters()
        await letters.add(
            DeadLetter(
                id=new_id(),
                task_name=message.task_name,
                args=list(message.args),
                kwargs=dict(message.kwargs),
                labels={k: v for k, v in labels.items() if k != ATTEMPT_LABEL},
                error="".join(traceback.format_exception(exception))[-4000:],
                attempts=attempt,
                failed_at=datetime.now(UTC),
            )
        )
        self._on_outcome(message.task_name, "dead_lettered")
