"""The retention purge: what has served its purpose is deleted after a configurable age, in batches.

- published outbox rows (the relay is done with them; processed_events guards against late redeliveries),
- processed-event records (kept far longer than any redelivery: JOB_REDELIVERY_SECONDS is minutes),
- Stripe event records (Stripe retries a delivery for 3 days; a duplicate after the retention would be
  applied again, so keep it well above that),
- expired or revoked access tokens, expired invitations never accepted (every organization, suspended
  ones included), and finished reports with their files (the file first: a row without a file is a 404).

Each batch is its own short statement, so the purge never holds locks for long and can stop anywhere; it is
safe to run twice at once (a delete with a condition). It reports what it removed by kind.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.ports.clock import Clock
from application.ports.reports import FileStore
from application.ports.retention import RetentionMetrics, RetentionStore

logger = logging.getLogger(__name__)

MAX_BATCHES_PER_KIND = 1_000  # a run ends; the next one carries on


@dataclass(frozen=True)
class RetentionPolicy:
    outbox: timedelta
    processed_events: timedelta
    stripe_events: timedelta
    expired_tokens: timedelta
    expired_invitations: timedelta
    reports: timedelta
    batch_size: int = 1000


class PurgeRetainedData:
    def __init__(
        self,
        store: RetentionStore,
        files: FileStore,
        policy: RetentionPolicy,
        metrics: RetentionMetrics,
        clock: Clock,
    ) -> None:
        self._store, self._files, self._policy = store, files, policy
        self._metrics, self._clock = metrics, clock

    async def execute(self) -> dict[str, int]:
        now, policy, store = self._clock.now(), self._policy, self._store
        removed = {
            "outbox": await self._batched(lambda n: store.delete_published_outbox(now - policy.outbox, n)),
            "processed_events": await self._batched(
                lambda n: store.delete_processed_events(now - policy.processed_events, n)
            ),
            "stripe_events": await self._batched(lambda n: store.delete_stripe_events(now - policy.stripe_events, n)),
            "access_tokens": await self._batched(lambda n: store.delete_expired_tokens(now - policy.expired_tokens, n)),
            "invitations": 0,
            "reports": 0,
        }
        for organization_id in await store.organization_ids():
            cutoff = now - policy.expired_invitations
            removed["invitations"] += await self._batched(
                functools.partial(store.delete_expired_invitations, organization_id, cutoff)
            )
            removed["reports"] += await self._purge_reports(organization_id, now - policy.reports)
        for kind, count in removed.items():
            self._metrics.removed(kind, count)
        if any(removed.values()):
            logger.info("retention purge removed %s", {k: v for k, v in removed.items() if v})
        return removed

    async def _batched(self, delete_batch: Callable[[int], Awaitable[int]]) -> int:
        total = 0
        for _ in range(MAX_BATCHES_PER_KIND):
            count = await delete_batch(self._policy.batch_size)
            total += count
            if count < self._policy.batch_size:
                break
        return total

    async def _purge_reports(self, organization_id: uuid.UUID, completed_before: datetime) -> int:
        total = 0
        for _ in range(MAX_BATCHES_PER_KIND):
            batch = await self._store.finished_reports(organization_id, completed_before, self._policy.batch_size)
            for _, file_key in batch:
                if file_key is not None:
                    await self._files.delete(file_key)
            total += await self._store.delete_reports(organization_id, [report_id for report_id, _ in batch])
            if len(batch) < self._policy.batch_size:
                break
        return total
