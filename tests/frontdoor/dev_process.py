"""`chapterhouse dev` as a newcomer runs it (what `make run` does), in a process of its own, on a scratch database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scripts.services import ROOT, free_port


def dev_env(database_url: str, data_dir: Path, port: int) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "STRIPE_API_BASE", "STRIPE_API_KEY", "SMTP_URL", "PUBLIC_URL", "LOG_FORMAT")
    }
    return env | {
        "APP_ENV": "dev",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "PORT": str(port),
        "AUTH_RATE_LIMIT_PER_MINUTE": "10000",
        "DB_POOL_SIZE": "5",
        "PYTHONPATH": str(ROOT / "src"),
    }


def chapterhouse(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@contextmanager
def running_dev(
    database_url: str, data_dir: Path, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[str, dict[str, str], Path]]:
    """Yields the base URL, the environment (for more `chapterhouse` commands) and the output file."""
    port = free_port()
    env = dev_env(database_url, data_dir, port) | (extra_env or {})
    output = data_dir / "dev-output.txt"
    data_dir.mkdir(parents=True, exist_ok=True)
    with output.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "entrypoints.cli", "dev"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while not _healthy(base):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dev did not start (exit {process.poll()}):\n{output.read_text()}")
                time.sleep(0.2)
            yield base, env, output
        finally:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
            _assert_local_stripe_gone(data_dir)


def _assert_local_stripe_gone(data_dir: Path) -> None:
    """The local Stripe that `dev` started leaves with it (no process left behind on a port)."""
    import json

    state = data_dir / "localstripe.json"
    if not state.exists():
        return
    pid = int(json.loads(state.read_text())["pid"])
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    if Path(f"/proc/{pid}").exists():
        os.kill(pid, 9)
        raise AssertionError("the local Stripe outlived `chapterhouse dev`")


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/health", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def call(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any, float]:
    """(status, decoded JSON or text, milliseconds)."""
    import json

    request = urllib.request.Request(
        base + path, method=method, data=None if body is None else json.dumps(body).encode()
    )
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    elapsed = (time.perf_counter() - started) * 1000
    try:
        return status, json.loads(raw) if raw else None, elapsed
    except ValueError:
        return status, raw.decode(errors="replace"), elapsed
