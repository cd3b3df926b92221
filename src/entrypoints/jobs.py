"""Background work: the worker, the outbox relay, the scheduler, dead letters, the dev in-process runner.

With ``REDIS_URL``: a ``ReliableRedisStreamBroker`` (acks after the task, reclaim of a dead worker's jobs);
``chapterhouse worker`` runs taskiq's receiver, the outbox relay and the mover of due retries. Without it
(dev): taskiq's ``InMemoryBroker`` and the same loops inside the API process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from dishka import AsyncContainer, Provider
from dishka.integrations.taskiq import setup_dishka
from litestar import Litestar
from taskiq import AsyncBroker, InMemoryBroker, ScheduleSource
from taskiq.receiver import Receiver

from adapters.memory.store import MemoryStore
from adapters.observability.metrics import JobMetricsMiddleware, record_job_outcome, record_outbox_lag
from adapters.queue import ReliableRedisStreamBroker
from adapters.queue.retry import DelayedKicks, InProcessDelayedKicks, RedisDelayedKicks, RetryMiddleware
from adapters.queue.tasks import register_tasks
from application.outbox import ListDeadLetters, MeasureOutboxLag, RelayOutbox, ReplayDeadLetter
from application.ports.jobs import DeadLetter, DeadLetters
from entrypoints.broker import build_broker
from entrypoints.container import build_container
from entrypoints.settings import Settings

logger = logging.getLogger(__name__)

RELAY_IDLE_SECONDS = 0.2
RELAY_ERROR_BACKOFF_SECONDS = 1.0
OUTBOX_LAG_INTERVAL_SECONDS = 5.0  # how often the relay measures its lag for the worker's metrics


def wire_broker(broker: AsyncBroker, container: AsyncContainer, settings: Settings) -> DelayedKicks:
    """Tasks, retries and dead letters, and dishka's per-task scope, on one broker."""
    register_tasks(broker)
    delayed: DelayedKicks
    if isinstance(broker, ReliableRedisStreamBroker):
        delayed = RedisDelayedKicks(broker.redis, broker.queue_name, prefix=f"{broker.queue_name}:delayed")
    else:
        delayed = InProcessDelayedKicks(broker)

    async def dead_letters() -> DeadLetters:
        letters: DeadLetters = await container.get(DeadLetters)
        return letters

    broker.add_middlewares(
        # First: its pre_execute binds job_id before anything logs, its post_execute runs last.
        JobMetricsMiddleware(),
        RetryMiddleware(
            lambda: delayed,
            dead_letters,
            max_attempts=settings.job_max_attempts,
            base_delay=settings.job_retry_base_seconds,
            on_outcome=record_job_outcome,
        ),
    )
    setup_dishka(container, broker)
    return delayed


def job_container(
    settings: Settings,
    broker: AsyncBroker,
    *,
    memory_store: MemoryStore | None = None,
    extra_providers: Sequence[Provider] = (),
) -> AsyncContainer:
    return build_container(settings, memory_store=memory_store, broker=broker, extra_providers=extra_providers)


async def measure_outbox_lag(container: AsyncContainer) -> None:
    """Set the outbox lag gauges (one query); a failure leaves the last values (the relay logs the outage)."""
    try:
        async with container() as request:
            record_outbox_lag(await (await request.get(MeasureOutboxLag)).execute())
    except Exception as error:
        logger.debug("outbox lag not measured (%r)", error)


async def relay_forever(container: AsyncContainer, idle_seconds: float = RELAY_IDLE_SECONDS) -> None:
    """Drain the outbox, then poll. A failure (Redis or the database down) leaves the rows for later.
    Every few seconds it measures the outbox lag, so a worker's metrics show it without an API scrape."""
    measured_at = 0.0
    loop = asyncio.get_running_loop()
    while True:
        if loop.time() - measured_at >= OUTBOX_LAG_INTERVAL_SECONDS:
            measured_at = loop.time()
            await measure_outbox_lag(container)
        try:
            async with container() as request:
                relay = await request.get(RelayOutbox)
                published = await relay.drain()
            if published:
                logger.debug("relayed %d outbox events", published)
            await asyncio.sleep(idle_seconds)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            logger.warning("outbox relay failed (%r); rows stay in the outbox, retrying", error)
            await asyncio.sleep(RELAY_ERROR_BACKOFF_SECONDS)


class JobRunner:
    """A worker inside the current event loop: taskiq's receiver, the retry mover and (optionally) the relay."""

    def __init__(
        self,
        settings: Settings,
        *,
        broker: AsyncBroker | None = None,
        container: AsyncContainer | None = None,
        memory_store: MemoryStore | None = None,
        relay: bool = True,
        concurrency: int = 50,
    ) -> None:
        self.settings = settings
        self.broker = broker or build_broker(settings)
        self.container = container or job_container(settings, self.broker, memory_store=memory_store)
        self.delayed = wire_broker(self.broker, self.container, settings)
        # A job holds up to two database connections at once (its idempotency claim and its unit of work);
        # the engine allows 2 x db_pool_size, so more jobs than db_pool_size at once could starve each other.
        self._relay, self._concurrency = relay, max(1, min(concurrency, settings.db_pool_size))
        self._finish = asyncio.Event()
        self._receiver: asyncio.Task[None] | None = None
        self._loops: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self.broker.is_worker_process = True
        await self.broker.startup()
        if not isinstance(self.broker, InMemoryBroker):  # it runs each kicked task itself, nothing to listen to
            self._receiver = asyncio.create_task(self._receive_until_finished())
        if isinstance(self.delayed, RedisDelayedKicks):
            self._loops.append(asyncio.create_task(self.delayed.run()))
        if self._relay:
            self._loops.append(asyncio.create_task(relay_forever(self.container)))

    async def _receive_until_finished(self) -> None:
        """taskiq's receiver, restarted when it fails: a Redis outage must not end the worker."""
        while not self._finish.is_set():
            receiver = Receiver(self.broker, run_startup=False, max_async_tasks=self._concurrency)
            try:
                await receiver.listen(self._finish)
            except Exception as error:
                logger.warning("job receiver stopped (%r); restarting", error)
                await asyncio.sleep(RELAY_ERROR_BACKOFF_SECONDS)

    async def stop(self) -> None:
        # The receiver stops through its finish event (cancelling it can hang in taskiq 0.13).
        self._finish.set()
        for loop in self._loops:
            loop.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        if self._receiver is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._receiver, timeout=10)
        await self.broker.shutdown()
        self._receiver, self._loops = None, []

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[JobRunner]:
        await self.start()
        try:
            yield self
        finally:
            await self.stop()


def serve_worker_metrics(settings: Settings) -> Callable[[], None]:
    """The worker's own /metrics (jobs, outbox lag) when WORKER_METRICS_PORT is set: prometheus_client's HTTP
    server in a daemon thread (it reads the same default registry). Returns how to stop it."""
    if not settings.worker_metrics_port:
        return lambda: None
    from prometheus_client import start_http_server

    server, thread = start_http_server(settings.worker_metrics_port, addr=settings.host)
    logger.info("worker metrics on http://%s:%d/metrics", settings.host, settings.worker_metrics_port)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop


async def run_worker(settings: Settings, *, concurrency: int = 50, relay: bool = True) -> None:
    """``chapterhouse worker``: until SIGINT/SIGTERM."""
    import signal

    runner = JobRunner(settings, relay=relay, concurrency=concurrency)
    stop_metrics = serve_worker_metrics(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with runner.running():
            logger.info("worker started (queue %s, relay %s)", settings.job_queue, "on" if relay else "off")
            await stop.wait()
        await runner.container.close()
    finally:
        stop_metrics()


async def run_scheduler(settings: Settings) -> None:
    """``chapterhouse scheduler``: kicks the tasks registered with a ``schedule`` label, each once per tick
    however many schedulers run (adapters/queue/schedule.py): run two for fail-over."""
    from taskiq.api import run_scheduler_task
    from taskiq.schedule_sources import LabelScheduleSource

    from adapters.queue.schedule import EverySource, OncePerTickScheduler

    broker = build_broker(settings)
    register_tasks(broker)
    await broker.startup()
    assert isinstance(broker, ReliableRedisStreamBroker)  # the CLI refuses to start without REDIS_URL
    source: ScheduleSource = LabelScheduleSource(broker)
    if settings.scheduler_tick_seconds:
        source = EverySource(source, settings.scheduler_tick_seconds)
    scheduler = OncePerTickScheduler(broker, [source], broker.redis, prefix=f"{settings.job_queue}:schedule")
    try:
        await run_scheduler_task(scheduler)
    finally:
        await broker.shutdown()


async def list_dead_letters(settings: Settings, include_replayed: bool) -> list[DeadLetter]:
    container = job_container(settings, build_broker(settings))
    try:
        async with container() as request:
            return await (await request.get(ListDeadLetters)).execute(include_replayed)
    finally:
        await container.close()


async def replay_dead_letter(settings: Settings, letter_id: uuid.UUID) -> DeadLetter:
    broker = build_broker(settings)
    container = job_container(settings, broker)
    await broker.startup()
    try:
        async with container() as request:
            return await (await request.get(ReplayDeadLetter)).execute(letter_id)
    finally:
        await broker.shutdown()
        await container.close()


def run_jobs_in_process(app: Litestar, settings: Settings) -> None:
    """Dev mode without Redis: the relay, the jobs (in-memory broker) and the schedule inside the API process."""
    from taskiq.api import run_scheduler_task
    from taskiq.schedule_sources import LabelScheduleSource
    from taskiq.scheduler.scheduler import TaskiqScheduler

    running: dict[str, Any] = {}

    async def start() -> None:
        container: AsyncContainer = app.state.dishka_container
        broker = await container.get(AsyncBroker)
        runner = JobRunner(settings, broker=broker, container=container, relay=True)
        await runner.start()
        scheduler = TaskiqScheduler(broker, [LabelScheduleSource(broker)])
        running["runner"] = runner
        running["scheduler"] = asyncio.create_task(run_scheduler_task(scheduler))
        logger.info("dev mode: outbox relay, jobs and schedule run in this process (no REDIS_URL)")

    async def stop() -> None:
        if "scheduler" in running:
            running["scheduler"].cancel()
            await asyncio.gather(running["scheduler"], return_exceptions=True)
        if "runner" in running:
            await running["runner"].stop()

    app.on_startup.append(start)
    app.on_shutdown.append(stop)  # shutdown hooks run in reverse: this one before the container closes
