"""Distributing the schema with Citus: a plan computed from the catalog, then applied idempotently.

The rule the plan relies on (docs/scaling.md): a table with row-level security is a tenant table and
is distributed by organization_id, colocated with every other tenant table; every other table is a
reference table (copied to every node). alembic_version stays on the coordinator.

Citus needs, in this order: reference tables before the distributed tables that point at them (and among
themselves, referenced before referencing), `citus.enable_local_reference_table_foreign_keys = off` so a
tenant table with a foreign key to a reference table is not turned into a "citus local" table first, and
tenant tables in foreign-key order so each one's targets are already distributed when it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import asyncpg

DISTRIBUTION_COLUMN = "organization_id"
SKIPPED = frozenset({"alembic_version"})


@dataclass(frozen=True)
class CatalogTable:
    name: str
    row_level_security: bool
    columns: frozenset[str]
    references: frozenset[str] = field(default_factory=frozenset)  # tables its foreign keys point at


@dataclass(frozen=True)
class Step:
    table: str
    kind: str  # "reference" or "distributed"
    colocate_with: str | None = None  # distributed tables after the first join the first one's group

    def sql(self) -> str:
        if self.kind == "reference":
            return f"SELECT create_reference_table('{self.table}')"
        colocation = f"'{self.colocate_with}'" if self.colocate_with else "'default'"
        return (
            f"SELECT create_distributed_table('{self.table}', '{DISTRIBUTION_COLUMN}', colocate_with => {colocation})"
        )


class NotDistributable(Exception):
    """A table breaks the rule (a tenant table without organization_id, a reference table pointing at a
    tenant table, a foreign-key cycle): the schema must change before it can be distributed."""


def _foreign_key_order(tables: Sequence[CatalogTable]) -> list[CatalogTable]:
    """Referenced tables first; ties keep name order so the plan is stable."""
    names = {t.name for t in tables}
    pending = {t.name: t for t in sorted(tables, key=lambda t: t.name)}
    done: set[str] = set()
    ordered: list[CatalogTable] = []
    while pending:
        ready = [t for t in pending.values() if (t.references & names) - {t.name} <= done]
        if not ready:
            raise NotDistributable(f"foreign-key cycle among {sorted(pending)}")
        for table in ready:
            ordered.append(table)
            done.add(table.name)
            del pending[table.name]
    return ordered


def plan(tables: Iterable[CatalogTable]) -> list[Step]:
    tables = [t for t in tables if t.name not in SKIPPED]
    tenant = [t for t in tables if t.row_level_security]
    reference = [t for t in tables if not t.row_level_security]
    tenant_names = {t.name for t in tenant}
    problems = [f"{t.name}: row-level security but no {DISTRIBUTION_COLUMN}" for t in tenant
                if DISTRIBUTION_COLUMN not in t.columns]  # fmt: skip
    problems += [
        f"{t.name}: a reference table with a foreign key to tenant table(s) {sorted(t.references & tenant_names)}"
        for t in reference
        if t.references & tenant_names
    ]
    if problems:
        raise NotDistributable("; ".join(problems))
    steps = [Step(t.name, "reference") for t in _foreign_key_order(reference)]
    anchor: str | None = None
    for table in _foreign_key_order(tenant):
        steps.append(Step(table.name, "distributed", colocate_with=anchor))
        anchor = anchor or table.name
    return steps


_CATALOG = """
SELECT c.relname AS name, c.relrowsecurity AS rls,
       array(SELECT a.attname::text FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
       array(SELECT DISTINCT r.relname::text FROM pg_constraint k JOIN pg_class r ON r.oid = k.confrelid
             WHERE k.conrelid = c.oid AND k.contype = 'f') AS references
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname
"""


async def read_catalog(conn: asyncpg.Connection) -> list[CatalogTable]:
    rows = await conn.fetch(_CATALOG)
    return [CatalogTable(r["name"], r["rls"], frozenset(r["columns"]), frozenset(r["references"])) for r in rows]


async def citus_installed(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')"))


async def already_distributed(conn: asyncpg.Connection) -> dict[str, str]:
    """table -> 'reference' / 'distributed' for tables Citus already manages (what makes a rerun a no-op)."""
    rows = await conn.fetch(
        "SELECT logicalrelid::regclass::text AS name, "
        "CASE WHEN partmethod = 'h' THEN 'distributed' WHEN repmodel = 't' THEN 'reference' ELSE 'local' END AS kind "
        "FROM pg_dist_partition"
    )
    return {r["name"]: r["kind"] for r in rows}


async def distribute(conn: asyncpg.Connection, app_role: str) -> list[str]:
    """Applies the plan on a Citus coordinator, as the schema owner; returns what it did, step by step."""
    done = await already_distributed(conn)
    steps = plan(await read_catalog(conn))
    wrong = [f"{s.table} is {done[s.table]}, the plan says {s.kind}" for s in steps if done.get(s.table) not in
             (None, s.kind)]  # fmt: skip
    if wrong:
        raise NotDistributable("; ".join(wrong))
    report: list[str] = []
    database = await conn.fetchval("SELECT current_database()")
    # SET LOCAL of the tenant scope reaches the workers only with this setting (per role, in this database).
    await conn.execute(f"ALTER ROLE {app_role} IN DATABASE \"{database}\" SET citus.propagate_set_commands = 'local'")
    await conn.execute("SET citus.enable_local_reference_table_foreign_keys = off")
    for step in steps:
        if step.table in done:
            report.append(f"{step.table}: already {step.kind}")
            continue
        await conn.execute(step.sql())
        report.append(f"{step.table}: {step.sql()}")
    return report
