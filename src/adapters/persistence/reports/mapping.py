"""Imperative mapping of reports."""

from __future__ import annotations

from sqlalchemy.orm import registry

from adapters.persistence.reports.tables import reports
from domain.reports import Report


def map_reports(mapper_registry: registry) -> None:
    mapper_registry.map_imperatively(Report, reports)
