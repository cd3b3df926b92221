"""The composition root: one dishka container for every process kind (API, worker, CLI), one provider list.

The backend is chosen here and nowhere else: the in-memory twins when a ``MemoryStore`` is given (tests),
PostgreSQL and the real outside world otherwise. A worker passes its broker (wired with the tasks); the
API and the CLI get one built from the settings.
"""

from __future__ import annotations

from collections.abc import Sequence

from dishka import AsyncContainer, Provider, make_async_container
from dishka.integrations.litestar import LitestarProvider
from dishka.integrations.taskiq import TaskiqProvider
from taskiq import AsyncBroker

from adapters.http.auth import HttpAuthProvider
from adapters.http.public.controllers import PublicCacheProvider
from adapters.memory.store import MemoryStore
from entrypoints.backends import MemoryBackend, PostgresBackend
from entrypoints.broker import BrokerProvider
from entrypoints.retention import RetentionProvider
from entrypoints.services import Realtime, Services
from entrypoints.settings import Settings
from entrypoints.use_cases import UseCases


def providers(*, memory_store: MemoryStore | None = None, broker: AsyncBroker | None = None) -> list[Provider]:
    backend: Provider = MemoryBackend(memory_store) if memory_store is not None else PostgresBackend()
    return [
        backend,
        Services(),
        Realtime(),
        UseCases(),
        BrokerProvider(broker),
        # The retention purge needs PostgreSQL: the in-memory twins keep nothing long enough to age.
        *([] if memory_store is not None else [RetentionProvider()]),
        # Scope data of the two kinds of request: an HTTP request (and its principal), a task message.
        LitestarProvider(),
        HttpAuthProvider(),
        PublicCacheProvider(),
        TaskiqProvider(),
    ]


def build_container(
    settings: Settings,
    *,
    memory_store: MemoryStore | None = None,
    broker: AsyncBroker | None = None,
    extra_providers: Sequence[Provider] = (),
) -> AsyncContainer:
    return make_async_container(
        *providers(memory_store=memory_store, broker=broker), *extra_providers, context={Settings: settings}
    )
