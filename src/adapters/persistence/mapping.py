"""Imperative mapping: the domain's dataclasses stay plain; the ORM learns them from each capability here."""

from __future__ import annotations

from sqlalchemy.orm import registry

from adapters.persistence.billing.mapping import map_billing
from adapters.persistence.chat.mapping import map_chat
from adapters.persistence.community.mapping import map_community
from adapters.persistence.identity.mapping import map_identity
from adapters.persistence.reports.mapping import map_reports
from adapters.persistence.ticketing.mapping import map_ticketing

mapper_registry = registry()
_mapped = False


def map_domain() -> None:
    global _mapped
    if _mapped:
        return
    for map_capability in (map_identity, map_billing, map_community, map_ticketing, map_reports, map_chat):
        map_capability(mapper_registry)
    _mapped = True
