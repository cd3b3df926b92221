"""Alembic environment (async). The database URL is handed in by the CLI or the tests through
config.attributes["url"] (or -x url=...); plain `alembic` falls back to DATABASE_URL (else the embedded server)."""

from __future__ import annotations

import asyncio
import os
import sys

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.persistence.all_tables import metadata

sys.path.insert(0, os.path.dirname(__file__))  # migrations/helpers.py

config = context.config
target_metadata = metadata


def _url() -> str:
    url = config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        # Plain `alembic upgrade head` from the repository root: the same database `chapterhouse db` uses
        # (DATABASE_URL, else the embedded server), resolved only now that a command needs one.
        from entrypoints.database import resolve_database
        from entrypoints.settings import Settings, sqlalchemy_url

        resolved = resolve_database(Settings.from_env()).database_url
        assert resolved
        url = sqlalchemy_url(resolved)
    return str(url)


def _include_object(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
    return True


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        compare_type=True,
    )
    with context.begin_transaction():
        _set_timeouts()
        context.run_migrations()


def _set_timeouts() -> None:
    # A migration waiting on a lock must fail fast rather than queue every request behind it.
    context.execute("SET lock_timeout = '5s'")
    context.execute("SET statement_timeout = '15min'")


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        include_object=_include_object,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        await connection.run_sync(_run)
        return
    engine = create_async_engine(_url(), poolclass=pool.NullPool)
    async with engine.connect() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
