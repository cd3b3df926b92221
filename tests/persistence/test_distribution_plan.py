"""`chapterhouse db distribute`: the plan it computes from the catalog (kinds, order, colocation), and what it
does where Citus is absent (this machine has no Citus: the plan is checked here, its application in
docs/scaling.md)."""

from __future__ import annotations

import os
import subprocess
import sys

import asyncpg
import pytest

from adapters.persistence.all_tables import metadata, tenant_tables
from adapters.persistence.distribution import CatalogTable, NotDistributable, Step, plan, read_catalog
from entrypoints.settings import asyncpg_url


def table(name: str, rls: bool, *references: str, org: bool = True) -> CatalogTable:
    columns = frozenset({"id", "organization_id"} if org else {"id"})
    return CatalogTable(name, rls, columns, frozenset(references))


CATALOG = [
    table("tickets", True, "events", "users", "tickets"),  # a self-reference does not block it
    table("events", True, "chapters", "organizations"),
    table("access_tokens", False, "users", org=False),
    table("memberships", True, "organizations", "users"),
    table("chapters", True, "organizations"),
    table("users", False, org=False),
    table("organizations", False, org=False),
    table("outbox", False),  # organization_id but no RLS: infrastructure, a reference table
    table("alembic_version", False, org=False),
]


def test_reference_tables_first_then_tenant_tables_in_foreign_key_order_colocated_with_the_first() -> None:
    steps = plan(CATALOG)
    assert [s.table for s in steps] == [
        "organizations", "outbox", "users", "access_tokens",
        "chapters", "memberships", "events", "tickets",
    ]  # fmt: skip
    assert [s.kind for s in steps] == ["reference"] * 4 + ["distributed"] * 4
    assert [s.colocate_with for s in steps[4:]] == [None, "chapters", "chapters", "chapters"]
    assert steps[4].sql() == (
        "SELECT create_distributed_table('chapters', 'organization_id', colocate_with => 'default')"
    )
    assert steps[5].sql().endswith("colocate_with => 'chapters')")
    assert steps[0].sql() == "SELECT create_reference_table('organizations')"


@pytest.mark.parametrize(
    ("catalog", "message"),
    [
        ([table("orders", True, org=False)], "orders: row-level security but no organization_id"),
        ([table("events", True), table("stats", False, "events")], "a reference table with a foreign key"),
        ([table("a", True, "b"), table("b", True, "a")], "foreign-key cycle"),
    ],
)
def test_a_schema_that_breaks_the_rule_is_refused_with_the_reason(catalog: list[CatalogTable], message: str) -> None:
    with pytest.raises(NotDistributable, match=message):
        plan(catalog)


async def test_the_plan_of_the_migrated_schema(database_url: str) -> None:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        catalog = await read_catalog(conn)
    finally:
        await conn.close()
    steps = plan(catalog)
    by_name = {s.table: s for s in steps}
    assert {s.table for s in steps if s.kind == "distributed"} == {t.name for t in tenant_tables()}
    assert {s.table for s in steps if s.kind == "reference"} == {
        t.name for t in metadata.sorted_tables if not t.info["tenant"]
    }
    anchor = next(s.table for s in steps if s.kind == "distributed")
    assert all(s.colocate_with == anchor for s in steps if s.kind == "distributed" and s.table != anchor)
    position = {s.table: i for i, s in enumerate(steps)}
    for entry in catalog:
        for target in entry.references - {entry.name}:
            assert position[target] < position[entry.name], f"{entry.name} before its target {target}"
    assert isinstance(by_name["memberships"], Step) and "alembic_version" not in by_name


def test_without_citus_the_command_says_so_and_exits_3(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "test"}
    result = subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "db", "distribute"], env=env, capture_output=True, text=True
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert "citus extension is not installed" in result.stderr
