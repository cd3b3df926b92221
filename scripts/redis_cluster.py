"""A real 3-master Redis Cluster on loopback for tests and benchmarks: three `redis-server --cluster-enabled yes`
processes, slots split with `redis-cli --cluster create`. Redis >= 7 is required (sharded pub/sub); Debian's
redis-server is installed with apt-get when the machine has none."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from scripts.services import free_port


def redis_binaries() -> tuple[str, str]:
    server, cli = shutil.which("redis-server") or "/usr/bin/redis-server", shutil.which("redis-cli") or ""
    if not Path(server).exists() or not cli:
        subprocess.run(["apt-get", "install", "-y", "-q", "redis-server"], check=True, capture_output=True)
        server, cli = "/usr/bin/redis-server", "/usr/bin/redis-cli"
    version = subprocess.run([server, "--version"], check=True, capture_output=True, text=True).stdout
    major = int(version.split("v=", 1)[1].split(".", 1)[0])
    if major < 7:
        raise RuntimeError(f"Redis Cluster tests need redis-server >= 7 (sharded pub/sub), found: {version}")
    return server, cli


@dataclass
class Cluster:
    ports: list[int]
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    directory: Path = Path()
    server: str = ""

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.ports[0]}/0"

    def kill(self, port: int) -> None:
        self.processes[port].kill()
        self.processes[port].wait()

    def restart(self, port: int) -> None:
        self.processes[port] = _start_node(self.server, port, self.directory)
        _wait_for_port(port)


def _cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free too, so both fit below 65536."""
    while True:
        port = free_port()
        if port > 55000:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


def _start_node(server: str, port: int, directory: Path) -> subprocess.Popen[bytes]:
    node_dir = directory / str(port)
    node_dir.mkdir(exist_ok=True)
    return subprocess.Popen(
        [
            server,
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--cluster-enabled", "yes",
            "--cluster-config-file", str(node_dir / "nodes.conf"),
            "--cluster-node-timeout", "2000",
            "--dir", str(node_dir),
            "--save", "",
            "--appendonly", "yes",  # a killed master that comes back still has what it acknowledged
            "--appendfsync", "always",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server on port {port} did not start")


def _cluster_ok(cli: str, port: int) -> bool:
    info = subprocess.run([cli, "-p", str(port), "cluster", "info"], capture_output=True, text=True).stdout
    return "cluster_state:ok" in info


@contextmanager
def running_cluster(masters: int = 3) -> Iterator[Cluster]:
    server, cli = redis_binaries()
    directory = Path(tempfile.mkdtemp(prefix="chapterhouse-cluster-"))
    cluster = Cluster(ports=[_cluster_port() for _ in range(masters)], directory=directory, server=server)
    try:
        for port in cluster.ports:
            cluster.processes[port] = _start_node(server, port, directory)
        for port in cluster.ports:
            _wait_for_port(port)
        subprocess.run(
            [cli, "--cluster", "create", *(f"127.0.0.1:{p}" for p in cluster.ports), "--cluster-replicas", "0",
             "--cluster-yes"],
            check=True,
            capture_output=True,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while not all(_cluster_ok(cli, p) for p in cluster.ports):
            if time.monotonic() > deadline:
                raise RuntimeError("the Redis Cluster did not reach cluster_state:ok")
            time.sleep(0.1)
        yield cluster
    finally:
        for proc in cluster.processes.values():
            proc.terminate()
        for proc in cluster.processes.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(directory, ignore_errors=True)
