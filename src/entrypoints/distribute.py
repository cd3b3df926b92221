"""`chapterhouse db distribute`: the schema onto a Citus cluster (reference and colocated distributed tables).

Run on the coordinator as the schema owner, after `chapterhouse db upgrade`. Safe to run again: tables Citus
already manages are skipped. Exit codes: 0 done, 3 no citus extension in the database, 4 the schema breaks
the distribution rule (the message says which table and why).
"""

from __future__ import annotations

import asyncio
import sys

import asyncpg

from adapters.persistence.distribution import NotDistributable, citus_installed, distribute
from entrypoints.settings import APP_ROLE, asyncpg_url

NO_CITUS = 3
NOT_DISTRIBUTABLE = 4


async def _run(database_url: str) -> int:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        if not await citus_installed(conn):
            print(
                "the citus extension is not installed in this database, so there is nothing to distribute; "
                "on a Citus coordinator run CREATE EXTENSION citus first (docs/scaling.md)",
                file=sys.stderr,
            )
            return NO_CITUS
        try:
            # One statement at a time, not one transaction: Citus copies each table's rows as it goes, and a
            # rerun after a failure skips what was done.
            report = await distribute(conn, APP_ROLE)
        except NotDistributable as exc:
            print(f"cannot distribute: {exc}", file=sys.stderr)
            return NOT_DISTRIBUTABLE
        for line in report:
            print(line)
        return 0
    finally:
        await conn.close()


def run(database_url: str) -> int:
    return asyncio.run(_run(database_url))
