"""Imperative mapping of the billing entities (called from mapping.map_domain)."""

from __future__ import annotations

from sqlalchemy.orm import registry

from adapters.persistence.billing import tables as bt
from domain.billing import OrganizationSubscription, Plan


def map_billing(mapper_registry: registry) -> None:
    mapper_registry.map_imperatively(Plan, bt.plans)
    mapper_registry.map_imperatively(OrganizationSubscription, bt.organization_subscriptions)
