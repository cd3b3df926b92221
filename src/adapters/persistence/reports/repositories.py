"""The reports repository (ORM, write side)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.persistence.reports.tables import reports
from domain.reports import Report


class SqlaReportRepository:
    def __init__(self, session: AsyncSession, organization_id: uuid.UUID | None) -> None:
        self._session, self._org = session, organization_id

    async def add(self, report: Report) -> None:
        self._session.add(report)
        await self._session.flush()

    async def get(self, report_id: uuid.UUID) -> Report | None:
        query = sa.select(Report).where(reports.c.organization_id == self._org, reports.c.id == report_id)
        return (await self._session.execute(query)).scalar_one_or_none()
