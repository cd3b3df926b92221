"""Every tenant table can be distributed by organization_id (Citus) and every connection shared between
tenants (PgBouncer in transaction mode): checked on the models, the migrated database and the adapters' SQL,
each checker also run on a bad example so a checker that finds nothing cannot pass unnoticed."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa

from adapters.persistence.all_tables import metadata, tenant_tables
from entrypoints.settings import asyncpg_url
from tests.persistence.tenancy_checks import policy_problems, source_problems, sql_problems, table_problems

ADAPTERS = Path(__file__).resolve().parents[2] / "src" / "adapters"

_POLICIES = "SELECT tablename::text, policyname::text, qual, with_check FROM pg_policies WHERE schemaname = 'public'"
_FUNCTIONS = """
SELECT p.proname::text, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'public' AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')
"""


def tenant_names() -> set[str]:
    return {t.name for t in tenant_tables()}


def test_every_table_says_whether_it_is_a_tenant_table() -> None:
    undecided = [t.name for t in metadata.sorted_tables if "tenant" not in t.info]
    assert undecided == []


def test_tenant_tables_follow_the_distribution_rules() -> None:
    assert len(tenant_tables()) >= 10
    assert table_problems(tenant_tables(), tenant_names()) == []


def test_the_rule_check_catches_a_bad_table() -> None:
    bad_metadata = sa.MetaData()
    parent = sa.Table("bad_parent", bad_metadata, sa.Column("organization_id", sa.Uuid, primary_key=True))
    bad = sa.Table(
        "bad_example",
        bad_metadata,
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("organization_id", sa.Uuid),
        sa.Column("parent_id", sa.Uuid, sa.ForeignKey("bad_parent.organization_id")),
        sa.Column("code", sa.String(8), unique=True),
        sa.Index("ix_bad_example_code", "code"),
        info={"tenant": True},
    )
    problems = table_problems([bad], {parent.name, bad.name})
    assert any("primary key ['id']" in p for p in problems), problems
    assert any("unique" in p and "lacks organization_id" in p for p in problems), problems
    assert any("foreign key to tenant table bad_parent" in p for p in problems), problems
    assert any("ix_bad_example_code does not lead" in p for p in problems), problems


async def _fetch(url: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_url(url))
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


async def test_no_policy_contains_a_subquery(database_url: str) -> None:
    policies = [tuple(r) for r in await _fetch(database_url, _POLICIES)]
    assert len(policies) >= len(tenant_tables())  # the catalog was read: one policy per tenant table at least
    assert policy_problems(policies) == []  # type: ignore[arg-type]


async def test_the_policy_check_catches_a_subquery_in_a_real_policy(database_url: str) -> None:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    transaction = conn.transaction()  # rolled back: the example never reaches the shared schema
    await transaction.start()
    try:
        await conn.execute("CREATE TABLE bad_policy_example (organization_id uuid, event_id uuid)")
        await conn.execute("ALTER TABLE bad_policy_example ENABLE ROW LEVEL SECURITY")
        await conn.execute(
            "CREATE POLICY own_rows ON bad_policy_example USING "
            "(event_id IN (SELECT t.event_id FROM tickets t WHERE t.holder_id = "
            "nullif(current_setting('app.user_id', true), '')::uuid))"
        )
        await conn.execute(
            "CREATE POLICY row_only ON bad_policy_example USING "
            "(organization_id = nullif(current_setting('app.organization_id', true), '')::uuid)"
        )
        policies = [tuple(r) for r in await conn.fetch(_POLICIES + " AND tablename = 'bad_policy_example'")]
        problems = policy_problems(policies)  # type: ignore[arg-type]
    finally:
        await transaction.rollback()
        await conn.close()
    assert len(policies) == 2
    assert len(problems) == 1 and problems[0].startswith("bad_policy_example.own_rows"), problems


def test_the_adapters_sql_sets_the_scope_per_transaction_and_inserts_with_values() -> None:
    assert ADAPTERS.is_dir() and any(ADAPTERS.rglob("*.py"))
    assert source_problems(ADAPTERS, tenant_names()) == []


async def test_no_database_function_sets_a_session_level_scope(database_url: str) -> None:
    functions = await _fetch(database_url, _FUNCTIONS)
    assert {"app_scope", "app_authenticate_scoped", "app_members_page"} <= {f[0] for f in functions}
    problems = [p for name, source in functions for p in sql_problems(f"function {name}", source, tenant_names())]
    assert problems == []


@pytest.mark.parametrize(
    ("sql", "found"),
    [
        ("SELECT set_config('app.organization_id', $1, true)", "set_config() of the tenant scope"),
        ("PERFORM set_config('app.user_id', v_user::text, false);", "set_config() of the tenant scope"),
        ("SET app.organization_id = '0190'", "session-level"),
        ("SET SESSION app.user_id = '0190'", "session-level"),
        ("RESET app.organization_id", "session-level"),
        (
            "INSERT INTO tickets (organization_id, id)\n SELECT :org, k.id FROM unnest(CAST(:ids AS uuid[])) AS k(id)",
            "INSERT ... SELECT into tenant table tickets",
        ),
        ("sa.insert(t.order_items).from_select(['a'], query)", "from_select"),
    ],
)
def test_the_sql_check_catches_each_bad_form(sql: str, found: str) -> None:
    problems = sql_problems("example.py", f'QUERY = """{sql}"""', tenant_names())
    assert len(problems) == 1 and found in problems[0], problems


@pytest.mark.parametrize(
    "sql",
    [
        "EXECUTE format('SET LOCAL app.organization_id = %L', coalesce(p_organization_id::text, ''))",
        "SELECT app_scope($1::uuid, NULL)",
        "INSERT INTO tickets (organization_id, id) VALUES (:org, :k0), (:org, :k1)",
        "INSERT INTO processed_events (handler, event_id) SELECT 'h', id FROM outbox",  # not a tenant table
        "SET citus.enable_local_reference_table_foreign_keys = off",
    ],
)
def test_the_sql_check_lets_the_right_forms_through(sql: str) -> None:
    assert sql_problems("example.py", sql, tenant_names()) == []
