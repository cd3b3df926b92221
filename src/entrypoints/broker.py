"""The taskiq broker of every process, and the queue ports on top of it.

With ``REDIS_URL``: a ``ReliableRedisStreamBroker`` (acks after the task, reclaim of a dead worker's jobs).
Without it (dev, tests): taskiq's ``InMemoryBroker``, which runs each kicked task in the process.
"""

from __future__ import annotations

from dishka import AnyOf, Provider, Scope, provide
from taskiq import AsyncBroker, InMemoryBroker
from taskiq.serializers import JSONSerializer

from adapters.queue import ReliableRedisStreamBroker
from adapters.queue.cluster import ClusterReliableStreamBroker
from adapters.queue.tasks import TaskiqAnnouncementQueue, TaskiqEventPublisher, TaskiqJobQueue
from application.ports.announcements import AnnouncementQueue
from application.ports.jobs import EventPublisher, JobQueue
from entrypoints.settings import Settings

CONSUMER_GROUP = "chapterhouse-workers"


def build_broker(settings: Settings) -> AsyncBroker:
    broker: AsyncBroker
    if settings.redis_url:
        redelivery_ms = settings.job_redelivery_seconds * 1000
        kind = ClusterReliableStreamBroker if settings.redis_cluster else ReliableRedisStreamBroker
        broker = kind(
            settings.redis_url,
            queue_name=settings.job_queue,
            consumer_group_name=CONSUMER_GROUP,
            idle_timeout=redelivery_ms,
            reclaim_interval=min(redelivery_ms / 4000, 30.0),
            xread_block=1000,
            # Fail fast when Redis is unreachable: the relay then leaves rows in the outbox and retries.
            socket_connect_timeout=3,
            socket_timeout=10,
        )
    else:
        broker = InMemoryBroker()
    # JSON, not taskiq's default pickle: job payloads cross a process (and trust) boundary.
    return broker.with_serializer(JSONSerializer())


class BrokerProvider(Provider):
    """The broker the process kicks jobs into: the one given (a worker's, wired with the tasks), else one
    built from the settings."""

    scope = Scope.APP

    def __init__(self, broker: AsyncBroker | None = None) -> None:
        super().__init__()
        self._broker = broker

    @provide
    def broker(self, settings: Settings) -> AsyncBroker:
        return self._broker if self._broker is not None else build_broker(settings)

    @provide
    def job_queue(self, broker: AsyncBroker) -> AnyOf[TaskiqJobQueue, JobQueue]:
        return TaskiqJobQueue(broker)

    @provide
    def event_publisher(self, queue: TaskiqJobQueue) -> EventPublisher:
        return TaskiqEventPublisher(queue)

    @provide
    def announcement_queue(self, queue: TaskiqJobQueue) -> AnnouncementQueue:
        return TaskiqAnnouncementQueue(queue)
