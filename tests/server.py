"""A real API server process for tests that need one (fuzzing over HTTP, concurrency, sockets)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def running_server(
    database_url: str,
    *,
    redis_url: str | None = None,
    extra_env: dict[str, str] | None = None,
    log_path: Path | None = None,
) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "APP_ENV": "test",
        "LOG_LEVEL": "WARNING",
        "AUTH_RATE_LIMIT_PER_MINUTE": "100000",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "PYTHONPATH": str(ROOT / "src"),
        **(extra_env or {}),
    }
    if redis_url:
        env["REDIS_URL"] = redis_url
    log = open(log_path or os.devnull, "wb")  # noqa: SIM115 (lives as long as the server)
    proc = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start (exit {proc.poll()})") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
