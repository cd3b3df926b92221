"""A scheduler that can run twice (or more): every `chapterhouse scheduler` process runs the schedule, and
each scheduled job is kicked once per tick, by whichever process claims that tick first in Redis.

The claim is `SET <prefix>:<job>:<tick> <owner> NX EX`: one key per job and tick, so there is no leader to
elect and no lease to wait out. When one process dies (kill -9 included), the others go on kicking from the
very next tick. Ticks are wall-clock slots (the minute of a cron job, `interval` seconds otherwise), so
processes whose clocks agree to well within a tick compute the same slot.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from taskiq import AsyncBroker, ScheduleSource
from taskiq.scheduler.scheduled_task import ScheduledTask
from taskiq.scheduler.scheduler import TaskiqScheduler

logger = logging.getLogger(__name__)

TICK_LABEL = "schedule_tick"
KICKED_BY_LABEL = "kicked_by"


class OncePerTickScheduler(TaskiqScheduler):
    def __init__(
        self,
        broker: AsyncBroker,
        sources: list[ScheduleSource],
        redis: Any,  # redis.asyncio.Redis or RedisCluster: one SET per claim
        *,
        prefix: str,
        owner: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(broker, sources)
        self._redis, self._prefix, self._clock = redis, prefix, clock
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}"

    async def on_ready(self, source: ScheduleSource, task: ScheduledTask) -> None:
        seconds = tick_seconds(task)
        tick = int(self._clock() // seconds)
        # The job's identity, not schedule_id: label schedules get a random id in every process.
        key = f"{self._prefix}:{task.task_name}:{task.cron or seconds}:{tick}"
        claimed = await self._redis.set(key, self.owner, nx=True, ex=max(int(seconds) * 10, 60))
        if not claimed:
            logger.debug("tick %d of %s kicked by another scheduler", tick, task.task_name)
            return
        labels = {**task.labels, TICK_LABEL: str(tick), KICKED_BY_LABEL: self.owner}
        await super().on_ready(source, task.model_copy(update={"labels": labels}))


def tick_seconds(task: ScheduledTask) -> float:
    if task.interval is not None:
        interval = task.interval
        return interval.total_seconds() if isinstance(interval, timedelta) else float(interval)
    return 60.0  # cron: one run a minute at most


class EverySource(ScheduleSource):
    """The schedules of `source`, each run every `seconds` instead of by its cron: for tests and demos that
    cannot wait for a minute boundary."""

    def __init__(self, source: ScheduleSource, seconds: int) -> None:
        self._source, self._seconds = source, seconds

    async def startup(self) -> None:
        await self._source.startup()

    async def get_schedules(self) -> list[ScheduledTask]:
        schedules = await self._source.get_schedules()
        return [s.model_copy(update={"cron": None, "interval": self._seconds}) for s in schedules]
