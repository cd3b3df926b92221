"""The shared column kit of every table module: one metadata, its naming convention, tenancy markers.

Tenant tables carry organization_id first in the primary key, in every unique constraint and in every
foreign key between tenant tables, and lead every index with it, so each can be distributed by
organization (Citus) without a schema change. tests/persistence/test_tenancy_rules.py checks this.
Global tables are marked with info={"tenant": False}. A leaf module: it imports no table module.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

GLOBAL = {"tenant": False}
TENANT = {"tenant": True}


class StrEnumType(sa.types.TypeDecorator[Any]):
    """A StrEnum stored as text, so adding a role or a status needs no ALTER TYPE."""

    impl = sa.String(32)
    cache_ok = True

    def __init__(self, enum: type[StrEnum]) -> None:
        super().__init__()
        self._enum = enum

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else self._enum(value).value

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else self._enum(value)


def tstz(name: str, nullable: bool = False, **kw: Any) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, **kw)


def organization_column() -> sa.Column[Any]:
    """organization_id as the first primary-key column, referencing the tenant registry."""
    return sa.Column(
        "organization_id", sa.Uuid, sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )


def tenant_fk(
    columns: list[str], table: str, referred: list[str], ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    """A foreign key between tenant tables: organization_id leads both sides."""
    return sa.ForeignKeyConstraint(
        ["organization_id", *columns],
        [f"{table}.organization_id", *(f"{table}.{c}" for c in referred)],
        ondelete=ondelete,
    )
