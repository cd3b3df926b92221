"""A throw-away PgBouncer in transaction mode in front of the test (or benchmark) PostgreSQL.

Installed from the system's packages when missing (`apt-get install -y pgbouncer`), started on a free
loopback port with its own config, log and pid file in a temporary directory, and stopped on exit. Trust
authentication (the upstream trusts loopback too); the server pool is small so that every server
connection serves many clients, one transaction after another.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

from scripts.services import free_port

PGBOUNCER = "/usr/sbin/pgbouncer"


def ensure_installed() -> str:
    found = shutil.which("pgbouncer") or (PGBOUNCER if Path(PGBOUNCER).exists() else None)
    if found:
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(["apt-get", "install", "-y", "pgbouncer"], env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=True)
        subprocess.run(["apt-get", "install", "-y", "pgbouncer"], env=env, capture_output=True, check=True)
    return shutil.which("pgbouncer") or PGBOUNCER


def _upstream(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    socket_dir = parse_qs(parts.query).get("host", [None])[0]
    return socket_dir or parts.hostname or "127.0.0.1", parts.port or 5432


def via(url: str, port: int) -> str:
    """The same URL (user, database) through the PgBouncer listening on `port`."""
    parts = urlsplit(url)
    user = parts.netloc.rsplit("@", 1)[0] if "@" in parts.netloc else "postgres"
    return urlunsplit(parts._replace(netloc=f"{user}@127.0.0.1:{port}", query=""))


@contextmanager
def running_pgbouncer(upstream_url: str, *, users: tuple[str, ...], server_pool_size: int = 2) -> Iterator[int]:
    binary = ensure_installed()
    host, upstream_port = _upstream(upstream_url)
    port = free_port()
    work = Path(tempfile.mkdtemp(prefix="chapterhouse_pgbouncer_"))
    (work / "users.txt").write_text("".join(f'"{user}" ""\n' for user in users))
    (work / "pgbouncer.ini").write_text(
        f"""[databases]
* = host={host} port={upstream_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {work / "users.txt"}
pool_mode = transaction
default_pool_size = {server_pool_size}
max_client_conn = 1000
server_reset_query =
query_wait_timeout = 10
ignore_startup_parameters = extra_float_digits,jit
logfile = {work / "pgbouncer.log"}
pidfile = {work / "pgbouncer.pid"}
"""
    )
    command = [binary, str(work / "pgbouncer.ini")]
    if os.geteuid() == 0:
        # PgBouncer refuses to run as root: it switches to the postgres user, who must own its files.
        command[1:1] = ["-u", "postgres"]
        for item in (work, *work.iterdir()):
            shutil.chown(item, "postgres")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"pgbouncer exited: {process.stderr.read().decode() if process.stderr else ''}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("pgbouncer did not listen within 15 s") from None
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(work, ignore_errors=True)


def log_of(port: int) -> str:
    """PgBouncer's log while it runs (to show that connections really went through it)."""
    for work in Path(tempfile.gettempdir()).glob("chapterhouse_pgbouncer_*"):
        ini = work / "pgbouncer.ini"
        if ini.exists() and f"listen_port = {port}\n" in ini.read_text():
            return (work / "pgbouncer.log").read_text()
    return ""
