"""Every table module on the one metadata: what Alembic, the drift check and the tenancy rules test read."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.persistence.audit import tables as audit_tables
from adapters.persistence.billing import tables as billing_tables
from adapters.persistence.chat import tables as chat_tables
from adapters.persistence.community import tables as community_tables
from adapters.persistence.idempotency import tables as idempotency_tables
from adapters.persistence.identity import tables as identity_tables
from adapters.persistence.jobs import tables as jobs_tables
from adapters.persistence.reports import tables as reports_tables
from adapters.persistence.schema import metadata
from adapters.persistence.ticketing import tables as ticketing_tables

TABLE_MODULES = (
    identity_tables,
    audit_tables,
    jobs_tables,
    billing_tables,
    community_tables,
    ticketing_tables,
    reports_tables,
    chat_tables,
    idempotency_tables,
)

__all__ = ["TABLE_MODULES", "metadata", "tenant_tables"]


def tenant_tables() -> list[sa.Table]:
    return [t for t in metadata.sorted_tables if t.info.get("tenant")]
