"""Migrations: up from empty, down to base and up again with data kept, no drift, squawk-clean."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from scripts import services

from entrypoints import database
from entrypoints.settings import asyncpg_url, sqlalchemy_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scratch_database(admin_database_url: str):
    url = services.in_thread(services.create_database, admin_database_url, "chapterhouse_migrations")
    yield url
    services.in_thread(services.drop_database, url)


def _fetch(url: str, sql: str):
    async def run():
        conn = await asyncpg.connect(asyncpg_url(url))
        try:
            return await conn.fetch(sql)
        finally:
            await conn.close()

    return asyncio.run(run())


def _roundtrip(url: str) -> list[str]:
    database.upgrade(url)
    database.check(url)  # autogenerate finds nothing: models and migrations agree
    _fetch(
        url,
        "INSERT INTO users (id, email, name, password_hash, created_at) "
        "VALUES ('01900000-0000-7000-8000-000000000001', 'kept@example.com', 'Kept', 'h', now())",
    )
    # Down one step at a time to the first revision (which creates users), then back up: rows survive.
    first = "0001"
    heads = [r["version_num"] for r in _fetch(url, "SELECT version_num FROM alembic_version")]
    if heads != [first]:
        database.downgrade(url, first)
        database.upgrade(url)
    kept = [r["email"] for r in _fetch(url, "SELECT email FROM users")]
    database.downgrade(url, "base")
    tables = [
        r["tablename"]
        for r in _fetch(
            url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
    ]
    assert tables == []
    database.upgrade(url)
    database.check(url)
    return kept


def test_upgrade_downgrade_upgrade_keeps_data_and_has_no_drift(scratch_database: str) -> None:
    assert services.in_thread(_roundtrip, scratch_database) == ["kept@example.com"]


def test_squawk_finds_nothing_in_the_migration_sql() -> None:
    squawk = shutil.which("squawk") or str(Path(sys.executable).parent / "squawk")
    sql = subprocess.run(
        [
            sys.executable,
            "-m",
            "alembic",
            "-c",
            str(ROOT / "alembic.ini"),
            "-x",
            f"url={sqlalchemy_url('postgresql://postgres@127.0.0.1/offline')}",
            "upgrade",
            "head",
            "--sql",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "CREATE TABLE users" in sql
    result = subprocess.run(
        [squawk, "--config", str(ROOT / ".squawk.toml")], input=sql, capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Found 0 issues" in result.stdout
