"""Prometheus metrics beyond Litestar's per-route request metrics, on prometheus_client's default registry
(the registry ``/metrics`` renders, and the worker's own metrics server).

Label sets stay small and bounded: task names (a fixed list) and outcomes; never ids.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from litestar import Response, get
from litestar.handlers import HTTPRouteHandler
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest
from taskiq import TaskiqMessage, TaskiqMiddleware, TaskiqResult

from application.outbox import OutboxLag

PREFIX = "chapterhouse"

# One count per run: "success" or "failure". What became of a failure is counted as well, under
# "retried" (another run is scheduled) or "dead_lettered" (no run left): failure = retried + dead_lettered
# (+ failures whose retry could not be recorded, which are redelivered).
JOBS = Counter(f"{PREFIX}_jobs_total", "Job runs by task name and outcome", ["task_name", "outcome"])
JOB_DURATION = Histogram(
    f"{PREFIX}_job_duration_seconds",
    "Job run time by task name",
    ["task_name"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)
SUCCESS, FAILURE, RETRIED, DEAD_LETTERED = "success", "failure", "retried", "dead_lettered"

WEBSOCKET_CONNECTIONS = Gauge(f"{PREFIX}_websocket_connections", "Open WebSocket connections in this process")
WEBSOCKET_FRAMES_SENT = Counter(
    f"{PREFIX}_websocket_messages_delivered_total", "Frames sent to WebSocket clients by this process"
)
GC_PAUSES = Histogram(
    f"{PREFIX}_gc_pause_seconds",
    "Garbage collector pauses of this process, by generation",
    ["generation"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25),
)
GC_LONGEST_PAUSE = Gauge(f"{PREFIX}_gc_longest_pause_seconds", "Longest garbage collector pause of this process")

REALTIME_FRAMES_RECEIVED = Counter(
    f"{PREFIX}_realtime_frames_received_total",
    "Frames this process received from the fan-out (only the topics its own sockets follow)",
)

OUTBOX_UNPUBLISHED = Gauge(f"{PREFIX}_outbox_unpublished", "Outbox rows not yet handed to the job queue")
OUTBOX_OLDEST_AGE = Gauge(
    f"{PREFIX}_outbox_oldest_unpublished_age_seconds", "Age of the oldest unpublished outbox row (0 when none)"
)

RETENTION_REMOVED = Counter(
    f"{PREFIX}_retention_removed_total", "Rows (and report files) the retention purge deleted, by kind", ["kind"]
)

_JOB_LOG_KEYS = ("job_id", "task_name", "job_attempt")


class JobMetricsMiddleware(TaskiqMiddleware):
    """Counts and times every job run, and binds job_id / task_name to the log context while it runs.

    Each job runs in its own asyncio task (taskiq's receiver), so the bound keys cannot leak into another
    job; they are unbound after the run all the same, for brokers that run the job in the kicker's task.
    """

    def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        structlog.contextvars.bind_contextvars(
            job_id=message.task_id, task_name=message.task_name, job_attempt=int(message.labels.get("attempt", 1))
        )
        return message

    def post_execute(self, message: TaskiqMessage, result: TaskiqResult[Any]) -> None:
        try:
            JOBS.labels(message.task_name, FAILURE if result.is_err else SUCCESS).inc()
            JOB_DURATION.labels(message.task_name).observe(result.execution_time)
        finally:
            structlog.contextvars.unbind_contextvars(*_JOB_LOG_KEYS)


def record_job_outcome(task_name: str, outcome: str) -> None:
    """The retry policy's report of what became of a failed run (``retried`` or ``dead_lettered``)."""
    JOBS.labels(task_name, outcome).inc()


class PrometheusSocketMetrics:
    """The realtime adapter's SocketMetrics port: an unlabelled gauge and counter (no per-frame lookups)."""

    def __init__(self) -> None:
        self._connections, self._frames = WEBSOCKET_CONNECTIONS, WEBSOCKET_FRAMES_SENT
        self._received = REALTIME_FRAMES_RECEIVED

    def opened(self) -> None:
        self._connections.inc()

    def closed(self) -> None:
        self._connections.dec()

    def delivered(self, frames: int) -> None:
        self._frames.inc(frames)

    def received(self, frames: int) -> None:
        self._received.inc(frames)


_watching: list[bool] = []


def watch_gc_pauses() -> None:
    """Time every collection (gc.callbacks), so a GC pause on the delivery path shows in the metrics. Once per
    process, however many applications it builds."""
    if _watching:
        return
    _watching.append(True)
    children = [GC_PAUSES.labels(str(generation)) for generation in range(3)]
    started = [0.0]
    longest = [0.0]

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        pause = time.perf_counter() - started[0]
        children[info["generation"]].observe(pause)
        if pause > longest[0]:
            longest[0] = pause
            GC_LONGEST_PAUSE.set(pause)

    gc.callbacks.append(callback)


class PrometheusRetentionMetrics:
    """The RetentionMetrics port: one counter, labelled by the purge's fixed list of kinds."""

    def removed(self, kind: str, count: int) -> None:
        RETENTION_REMOVED.labels(kind).inc(count)


def record_outbox_lag(lag: OutboxLag) -> None:
    OUTBOX_UNPUBLISHED.set(lag.unpublished)
    OUTBOX_OLDEST_AGE.set(lag.oldest_age_seconds)


def metrics_handler(before_scrape: Callable[[], Awaitable[None]], guards: list[Any] | None = None) -> HTTPRouteHandler:
    """``GET /metrics`` (what Litestar's PrometheusController renders), refreshing the gauges measured on
    scrape (the outbox lag) first."""

    @get("/metrics", guards=guards)
    async def metrics() -> Response[bytes]:
        await before_scrape()
        return Response(generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})

    return metrics
