"""Port of the end of an organization: after its grace period, every row of it goes, in batches."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol


class OrganizationPurger(Protocol):
    async def due(self, scheduled_before: datetime) -> list[uuid.UUID]:
        """Organizations whose deletion was scheduled before that time."""
        ...

    async def purge_batch(self, organization_id: uuid.UUID, batch_size: int) -> int:
        """Deletes up to ``batch_size`` rows of the organization from its tenant tables, children before
        parents, in one short transaction; returns how many went (0 once none is left)."""
        ...

    async def forget(self, organization_id: uuid.UUID) -> None:
        """Deletes the organization's own global rows, last: the tenant registry row and its billing customer."""
        ...
