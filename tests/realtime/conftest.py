"""Two real API processes (`chapterhouse serve`) sharing one PostgreSQL database and one Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests import support
from tests.conftest import TEST_SECRET

WORKTREE = Path(__file__).resolve().parents[2]
CHAPTERHOUSE = str(Path(sys.executable).with_name("chapterhouse"))
LOGS = WORKTREE / ".data" / "realtime-servers"  # the servers' logs, for when a test fails


@dataclass(frozen=True)
class Server:
    port: int

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws(self, token: str) -> str:
        return f"ws://127.0.0.1:{self.port}/ws?token={token}"


def _wait_until_healthy(server: Server, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {server.port} exited with {proc.returncode}")
        try:
            if httpx.get(f"{server.http}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server on port {server.port} did not become healthy")


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    url, proc = support.start_redis()
    yield url
    if proc is not None:
        proc.terminate()
        proc.wait(timeout=10)


def _start(env: dict[str, str], count: int) -> list[tuple[Server, subprocess.Popen[bytes]]]:
    started: list[tuple[Server, subprocess.Popen[bytes]]] = []
    LOGS.mkdir(parents=True, exist_ok=True)
    for _ in range(count):
        server = Server(support.free_port())
        log = (LOGS / f"server-{server.port}.log").open("wb")
        proc = subprocess.Popen(
            [CHAPTERHOUSE, "serve", "--port", str(server.port)],
            env=env,
            cwd=WORKTREE,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append((server, proc))
    return started


def _stop(started: list[tuple[Server, subprocess.Popen[bytes]]]) -> None:
    for _, proc in started:
        proc.terminate()
    for _, proc in started:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _server_env(database_url: str, redis_url: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "APP_ENV": "test",
        "SECRET_KEY": TEST_SECRET,
        "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
        # Revoked tokens are found within 0.1 s, and channel access is re-checked on every delivery batch
        # so a removal stops delivery deterministically (the defaults: 2 s and 30 s).
        "WS_ACCESS_RECHECK_SECONDS": "0.1",
        "WS_CHANNEL_RECHECK_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        # The console script imports `entrypoints` from the main checkout; run this worktree's code.
        "PYTHONPATH": str(WORKTREE / "src"),
    }
    env.pop("REDIS_URL", None)
    if redis_url is not None:
        env["REDIS_URL"] = redis_url
    return env


@pytest.fixture(scope="session")
def servers(database_url: str, redis_url: str) -> Iterator[tuple[Server, Server]]:
    """Two API processes sharing PostgreSQL and Redis."""
    started = _start(_server_env(database_url, redis_url), 2)
    try:
        for server, proc in started:
            _wait_until_healthy(server, proc)
        yield started[0][0], started[1][0]
    finally:
        _stop(started)


@pytest.fixture(scope="session")
def dev_server(database_url: str) -> Iterator[Server]:
    """One API process without REDIS_URL: the in-process fan-out of dev mode."""
    started = _start(_server_env(database_url, None), 1)
    try:
        _wait_until_healthy(*started[0])
        yield started[0][0]
    finally:
        _stop(started)
