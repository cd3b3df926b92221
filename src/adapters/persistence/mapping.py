"""Imperative mapping: the domain's dataclasses stay plain; the ORM learns them from here."""

from __future__ import annotations

from sqlalchemy.orm import registry

from adapters.persistence import tables as t
from adapters.persistence.billing_mapping import map_billing
from adapters.persistence.chat_mapping import map_chat
from adapters.persistence.reports import map_reports
from adapters.persistence.ticketing_mapping import map_ticketing
from domain.identity import AccessToken, User
from domain.invitations import Invitation
from domain.organizations import Membership, Organization

mapper_registry = registry()
_mapped = False


def map_domain() -> None:
    global _mapped
    if _mapped:
        return
    mapper_registry.map_imperatively(User, t.users)
    mapper_registry.map_imperatively(AccessToken, t.access_tokens)
    mapper_registry.map_imperatively(Organization, t.organizations)
    mapper_registry.map_imperatively(Membership, t.memberships)
    mapper_registry.map_imperatively(Invitation, t.invitations)
    map_billing(mapper_registry)
    map_ticketing(mapper_registry)
    map_reports(mapper_registry)
    map_chat(mapper_registry)
    _mapped = True
