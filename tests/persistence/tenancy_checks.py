"""The rules that keep every tenant table distributable (Citus) and every connection shareable (PgBouncer).

Pure checkers, so the tests can run each one on the real schema and on a deliberately bad example:
- tables: organization_id leads the primary key, is in every unique constraint and tenant foreign key,
  and leads every index (unless marked cross_tenant);
- policies: they test columns of their own row only (Citus refuses subqueries in policies);
- SQL in the adapters and in the database's functions: the tenant scope is set with SET LOCAL only (no
  set_config(), which Citus never forwards, and no session-level SET, which outlives the transaction);
  rows go into tenant tables with INSERT ... VALUES, never INSERT ... SELECT (Citus makes that a COPY,
  which row-level security refuses).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa

SUBQUERY = re.compile(r"\bSELECT\b", re.IGNORECASE)
SET_CONFIG_OF_SCOPE = re.compile(r"set_config\s*\(\s*'app\.", re.IGNORECASE)
SESSION_SET_OF_SCOPE = re.compile(r"\b(?:SET|RESET)\s+(?:SESSION\s+)?app\.", re.IGNORECASE)
INSERT_SELECT = re.compile(
    r"INSERT\s+INTO\s+(\w+)\s*(?:\([^)]*\))?\s*(?:SELECT|WITH|TABLE)\b", re.IGNORECASE | re.DOTALL
)
FROM_SELECT = re.compile(r"\.from_select\s*\(")


def table_problems(tables: Iterable[sa.Table], tenant_names: set[str]) -> list[str]:
    problems: list[str] = []
    for table in tables:
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
    return problems


def policy_problems(policies: Iterable[tuple[str, str, str | None, str | None]]) -> list[str]:
    """(table, policy, USING, WITH CHECK) as pg_policies shows them."""
    return [
        f"{table}.{name}: a subquery in the policy ({expression})"
        for table, name, using, check in policies
        for expression in (using, check)
        if expression and SUBQUERY.search(expression)
    ]


def sql_problems(where: str, text: str, tenant_names: set[str]) -> list[str]:
    problems = [f"{where}: set_config() of the tenant scope: {m.group(0)}" for m in SET_CONFIG_OF_SCOPE.finditer(text)]
    problems += [f"{where}: session-level {m.group(0)}" for m in SESSION_SET_OF_SCOPE.finditer(text)]
    problems += [
        f"{where}: INSERT ... SELECT into tenant table {m.group(1)}"
        for m in INSERT_SELECT.finditer(text)
        if m.group(1).lower() in tenant_names
    ]
    problems += [f"{where}: insert().from_select() (INSERT ... SELECT)" for _ in FROM_SELECT.finditer(text)]
    return problems


def source_problems(root: Path, tenant_names: set[str]) -> list[str]:
    problems: list[str] = []
    for path in sorted(root.rglob("*.py")):
        problems += sql_problems(str(path.relative_to(root)), path.read_text(), tenant_names)
    return problems
