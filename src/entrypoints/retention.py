"""Wiring of the retention purge (PostgreSQL only: the in-memory twin keeps nothing long enough to age)."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from dishka import Provider, Scope, provide

from adapters.observability.metrics import PrometheusRetentionMetrics
from adapters.persistence.retention import PgRetentionStore
from application.ports.retention import RetentionMetrics, RetentionStore
from application.retention import PurgeRetainedData, RetentionPolicy
from entrypoints.settings import Settings


class RetentionProvider(Provider):
    """The retention purge on the PostgreSQL read pool."""

    scope = Scope.APP

    @provide
    def store(self, pool: asyncpg.Pool) -> RetentionStore:
        return PgRetentionStore(pool)

    @provide
    def metrics(self) -> RetentionMetrics:
        return PrometheusRetentionMetrics()

    @provide
    def policy(self, settings: Settings) -> RetentionPolicy:
        def days(value: float) -> timedelta:
            return timedelta(days=value)

        return RetentionPolicy(
            outbox=days(settings.retention_outbox_days),
            processed_events=days(settings.retention_processed_events_days),
            stripe_events=days(settings.retention_stripe_events_days),
            expired_tokens=days(settings.retention_expired_tokens_days),
            expired_invitations=days(settings.retention_expired_invitations_days),
            reports=days(settings.retention_reports_days),
            batch_size=settings.retention_batch_size,
        )

    purge = provide(PurgeRetainedData, scope=Scope.REQUEST)
