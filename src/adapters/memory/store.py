"""The in-memory twin of the database: plain dicts, one lock, snapshot rollback."""

from __future__ import annotations

import asyncio
import copy
import uuid
from dataclasses import dataclass, field
from typing import Any

from domain.events import DomainEvent
from domain.identity import AccessToken, User
from domain.invitations import Invitation
from domain.organizations import Membership, Organization


@dataclass
class MemoryStore:
    users: dict[uuid.UUID, User] = field(default_factory=dict)
    access_tokens: dict[bytes, AccessToken] = field(default_factory=dict)
    organizations: dict[uuid.UUID, Organization] = field(default_factory=dict)
    memberships: dict[tuple[uuid.UUID, uuid.UUID], Membership] = field(default_factory=dict)
    invitations: dict[uuid.UUID, Invitation] = field(default_factory=dict)
    outbox: list[DomainEvent] = field(default_factory=list)
    audit_log: list[DomainEvent] = field(default_factory=list)
    # Tables that later capabilities add live here by name, so the store needs no edit per feature.
    tables: dict[str, dict[Any, Any]] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def table(self, name: str) -> dict[Any, Any]:
        return self.tables.setdefault(name, {})

    def snapshot(self) -> dict[str, Any]:
        return {name: copy.deepcopy(value) for name, value in vars(self).items() if name != "lock"}

    def restore(self, snapshot: dict[str, Any]) -> None:
        for name, value in snapshot.items():
            setattr(self, name, value)
