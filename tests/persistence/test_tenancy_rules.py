"""Every tenant table can be distributed by organization_id (Citus) without a schema change."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.persistence.all_tables import metadata, tenant_tables


def test_every_table_says_whether_it_is_a_tenant_table() -> None:
    undecided = [t.name for t in metadata.sorted_tables if "tenant" not in t.info]
    assert undecided == []


def test_tenant_tables_follow_the_distribution_rules() -> None:
    problems: list[str] = []
    tenant_names = {t.name for t in tenant_tables()}
    for table in tenant_tables():
        pk = [c.name for c in table.primary_key.columns]
        if not pk or pk[0] != "organization_id":
            problems.append(f"{table.name}: primary key {pk} does not start with organization_id")
        for constraint in table.constraints:
            if isinstance(constraint, sa.UniqueConstraint) and "organization_id" not in constraint.columns:
                problems.append(f"{table.name}: unique {constraint.name} lacks organization_id")
            if isinstance(constraint, sa.ForeignKeyConstraint):
                target = constraint.referred_table.name
                if target in tenant_names and "organization_id" not in [c.name for c in constraint.columns]:
                    problems.append(f"{table.name}: foreign key to tenant table {target} lacks organization_id")
        for index in table.indexes:
            first = next(iter(index.columns)).name if index.columns else None
            if first != "organization_id" and not index.info.get("cross_tenant"):
                problems.append(f"{table.name}: index {index.name} does not lead with organization_id")
            if index.unique and "organization_id" not in [c.name for c in index.columns]:
                problems.append(f"{table.name}: unique index {index.name} lacks organization_id")
    assert problems == []


def test_the_rule_check_catches_a_bad_table() -> None:
    bad = sa.Table(
        "bad_example",
        sa.MetaData(),
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("organization_id", sa.Uuid),
        info={"tenant": True},
    )
    assert next(c.name for c in bad.primary_key.columns) != "organization_id"
