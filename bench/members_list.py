"""Benchmark: GET /api/orgs/{org_id}/members on the real app against a bare Litestar floor.

    .venv/bin/python bench/members_list.py [--duration 20] [--connections 64]

One run does everything: creates a throw-away database (chapterhouse_bench_<pid>) on the server of
DATABASE_URL (an admin URL; default postgresql://postgres@127.0.0.1:5432/postgres), migrates it with
`chapterhouse db upgrade`, starts the app (`chapterhouse serve`, one process) and seeds it through
the HTTP API (20 registered users, one organization; the 19 extra memberships are inserted as the
owner role, which bypasses RLS), logs in, starts the floor (bench/floor_app.py: same SELECT on a
plain asyncpg pool, no auth/RLS/dishka), checks both answer 200 with 20 items (and the app 401 on
a wrong token), then loads each in turn (warm-up, then the measured run) with wrk when installed,
else with a small uvloop keep-alive client, and prints a Markdown table. Servers are stopped and the
database dropped on the way out, whatever happens.

--profile additionally records the app under the same load with py-spy (a separate run, after the
measurement, so the sampler does not skew the numbers) and prints the top frames by self and total.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from summary import emit

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from scripts import services  # noqa: E402

APP_SOURCES = f"{ROOT / 'src'}/"  # how py-spy names this checkout's own frames
BIN = Path(sys.executable).parent
CHAPTERHOUSE = str(BIN / "chapterhouse")
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
GOAL_RATIO = 0.7
GOAL_P99_RATIO = 1.3  # the app's p99 at most this multiple of the floor's, in the same run
PASSWORD = "bench-password-123"


# --------------------------------------------------------------------------------------------------
# small helpers


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def with_database(url: str, database: str) -> str:
    head, sep, query = url.partition("?")
    base = head.rsplit("/", 1)[0] if head.count("/") > 2 else head
    return f"{base}/{database}{sep}{query}"


def http(method: str, url: str, body: object | None = None, token: str | None = None) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token is not None:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def wait_health(base: str, proc: subprocess.Popen[bytes], name: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode} before answering /health")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=1) as resp:
                if resp.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{name} did not answer /health within {timeout:.0f}s")


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


_TICK = os.sysconf("SC_CLK_TCK")


def _proc_cpu(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def cpu_snapshot(server_pid: int) -> dict[str, float]:
    """CPU seconds so far: the server, every postgres process, our own children (wrk), the machine."""
    pg = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if stat[stat.index("(") + 1 : stat.rindex(")")].startswith("postgres"):
                fields = stat[stat.rindex(")") + 2 :].split()
                pg += (int(fields[11]) + int(fields[12])) / _TICK
    import resource

    kids, me = resource.getrusage(resource.RUSAGE_CHILDREN), resource.getrusage(resource.RUSAGE_SELF)
    line = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(x) for x in line]
    busy = (sum(ticks[:8]) - ticks[3] - ticks[4]) / _TICK  # everything but idle and iowait
    return {
        "server": _proc_cpu(server_pid),
        "postgres": pg,
        "loadgen": kids.ru_utime + kids.ru_stime + me.ru_utime + me.ru_stime,
        "machine": busy,
        "wall": time.monotonic(),
    }


def cpu_usage(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Average cores used over the interval; 'other' is CPU burnt by processes that are not ours."""
    wall = after["wall"] - before["wall"]
    used = {k: (after[k] - before[k]) / wall for k in ("server", "postgres", "loadgen", "machine")}
    used["other"] = max(0.0, used["machine"] - used["server"] - used["postgres"] - used["loadgen"])
    return used


def stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully (closes the pools) on SIGINT
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


# --------------------------------------------------------------------------------------------------
# database


async def create_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(with_database(admin_url, "postgres"))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(with_database(admin_url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def add_members(db_url: str, org_id: uuid.UUID, user_ids: list[uuid.UUID]) -> int:
    """Insert memberships as the owner role: a superuser bypasses even FORCE'd RLS."""
    conn = await asyncpg.connect(db_url)
    try:
        base = dt.datetime.now(dt.UTC)
        await conn.executemany(
            "INSERT INTO memberships (organization_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4)",
            [
                (org_id, uid, "admin" if i % 5 == 0 else "member", base + dt.timedelta(seconds=i + 1))
                for i, uid in enumerate(user_ids)
            ],
        )
        return int(await conn.fetchval("SELECT count(*) FROM memberships WHERE organization_id = $1", org_id))
    finally:
        await conn.close()


# --------------------------------------------------------------------------------------------------
# load generation


@dataclass
class LoadResult:
    tool: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int = 0
    errors: int = 0
    raw: str = field(default="", repr=False)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(f"cannot parse wrk latency {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def run_wrk(url: str, headers: dict[str, str], connections: int, duration: float, threads: int) -> LoadResult:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{round(duration)}s", "--latency", "--timeout", "10s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    cmd.append(url)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m),", out)
    assert m, out
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return LoadResult(
        tool=f"wrk -t{threads}",
        requests=int(m.group(1)),
        seconds=_ms(m.group(2) + m.group(3)) / 1e3,
        rps=rps,
        p50_ms=p50,
        p99_ms=p99,
        non_2xx=int(non2xx.group(1)) if non2xx else 0,
        errors=sum(int(x) for x in sock.groups()) if sock else 0,
        raw=out,
    )


async def _py_load(host: str, port: int, request: bytes, connections: int, duration: float) -> LoadResult:
    latencies: list[float] = []
    counters = {"non_2xx": 0, "errors": 0}
    start = time.perf_counter()
    deadline = start + duration

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head[9:12])
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                        break
                if length:
                    await reader.readexactly(length)
                latencies.append(time.perf_counter() - t0)
                if not 200 <= status < 300:
                    counters["non_2xx"] += 1
        except (OSError, asyncio.IncompleteReadError, ValueError):
            counters["errors"] += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1e3 if latencies else float("nan")

    return LoadResult(
        tool="python(uvloop)",
        requests=len(latencies),
        seconds=elapsed,
        rps=len(latencies) / elapsed,
        p50_ms=pct(0.50),
        p99_ms=pct(0.99),
        **counters,
    )


def run_python(url: str, headers: dict[str, str], connections: int, duration: float) -> LoadResult:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    lines = [f"GET {parts.path} HTTP/1.1", f"Host: {host}:{port}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    return runner(_py_load(host, port, request, connections, duration))


def load(args: argparse.Namespace, url: str, headers: dict[str, str], duration: float) -> LoadResult:
    if args.loadgen == "wrk" or (args.loadgen == "auto" and shutil.which("wrk")):
        return run_wrk(url, headers, args.connections, duration, args.threads)
    return run_python(url, headers, args.connections, duration)


# --------------------------------------------------------------------------------------------------
# profiling (py-spy, raw collapsed stacks -> self/total tables)


def find_py_spy() -> str | None:
    candidate = BIN / "py-spy"
    return str(candidate) if candidate.exists() else shutil.which("py-spy")


def summarize_collapsed(path: Path, top: int) -> str:
    self_c: collections.Counter[str] = collections.Counter()
    total_c: collections.Counter[str] = collections.Counter()
    pkg_self: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        samples += n
        self_c[frames[-1]] += n
        for f in set(frames):
            total_c[f] += n
        pkg_self[_package(frames[-1])] += n

    def table(title: str, counter: collections.Counter[str]) -> list[str]:
        rows = [f"\n{title}\n", "| % | samples | frame |", "|---:|---:|---|"]
        for frame, n in counter.most_common(top):
            rows.append(f"| {100 * n / samples:5.1f} | {n} | `{_short(frame)}` |")
        return rows

    out = [f"py-spy: {samples} samples (on-CPU only, idle excluded)"]
    out += table("Self time by package (where the CPU actually is)", pkg_self)
    out += table(f"Top {top} frames by self time", self_c)
    out += table(f"Top {top} frames by total (inclusive) time", total_c)
    return "\n".join(out)


_PKG = re.compile(r"\((?:.*?/site-packages/)?(?P<file>[^:]+):\d+\)$")


def _package(frame: str) -> str:
    m = _PKG.search(frame)
    if not m:
        return frame
    file = m.group("file")
    if "/site-packages/" not in frame:
        if APP_SOURCES in file:
            return "app:" + file.split(APP_SOURCES)[1].split("/")[0] + "/" + file.rsplit("/", 1)[-1]
        if "/lib/python3" in file:
            return "stdlib:" + file.split("/lib/python3")[1].split("/", 2)[-1].split("/")[0]
        return file
    return file.split("/")[0].split(".")[0]


def _short(frame: str) -> str:
    frame = re.sub(r"/[^ ]*/site-packages/", "", frame)
    frame = frame.replace(APP_SOURCES, "")
    return re.sub(r"/[^ (]*/lib/python3\.\d+/", "", frame)


def profile_app(args: argparse.Namespace, pid: int, url: str, headers: dict[str, str]) -> str:
    py_spy = find_py_spy()
    if py_spy is None:
        return "py-spy not installed (pip install py-spy into the venv): no profile."
    out = Path(f"/tmp/chapterhouse_bench_{os.getpid()}_app.collapsed")
    secs = max(5, int(args.profile_seconds))
    spy = subprocess.Popen(
        [
            py_spy,
            "record",
            "-p",
            str(pid),
            "-d",
            str(secs),
            "-r",
            str(args.profile_rate),
            "--nonblocking",
            "-f",
            "raw",
            "-F",
            "-o",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(1.0)
    under_profile = load(args, url, headers, secs - 1)
    _, err = spy.communicate(timeout=secs + 60)
    if spy.returncode != 0 or not out.exists():
        return f"py-spy failed ({spy.returncode}): {err.decode(errors='replace')[-500:]}"
    header = (
        f"(profiled run: {under_profile.rps:.0f} req/s under py-spy at {args.profile_rate} Hz; raw stacks in {out})"
    )
    return header + "\n" + summarize_collapsed(out, args.profile_top)


# --------------------------------------------------------------------------------------------------
# the run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds per target")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (the box has few cores)")
    parser.add_argument("--loadgen", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="py-spy the app under load after measuring")
    parser.add_argument("--profile-seconds", type=float, default=15.0)
    parser.add_argument("--profile-rate", type=int, default=200)
    parser.add_argument("--profile-top", type=int, default=25)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument(
        "--pgbouncer",
        action="store_true",
        help="also run the app through a PgBouncer in transaction mode (installed with apt-get when missing)",
    )
    parser.add_argument("--pgbouncer-pool", type=int, default=20, help="PgBouncer's server connections")
    args = parser.parse_args()

    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_ADMIN_URL
    db_name = f"chapterhouse_bench_{os.getpid()}"
    db_url = with_database(admin_url, db_name)
    app_proc: subprocess.Popen[bytes] | None = None
    floor_proc: subprocess.Popen[bytes] | None = None
    bounced_proc: subprocess.Popen[bytes] | None = None
    bouncer = contextlib.ExitStack()
    created = False
    logs = Path(f"/tmp/chapterhouse_bench_{os.getpid()}")
    logs.mkdir(exist_ok=True)
    load_at_start = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    try:
        log(f"creating database {db_name}")
        asyncio.run(create_database(admin_url, db_name))
        created = True

        base_env = {k: v for k, v in os.environ.items() if k not in ("PORT", "HOST", "APP_DATABASE_URL")}
        base_env["DATABASE_URL"] = db_url
        log("migrating: chapterhouse db upgrade")
        mig = subprocess.run([CHAPTERHOUSE, "db", "upgrade"], env=base_env, cwd=ROOT, capture_output=True, text=True)
        if mig.returncode != 0:
            raise RuntimeError(f"migration failed:\n{mig.stdout}\n{mig.stderr}")

        # ---- the app
        app_port = services.free_port()
        app_env = {**base_env, "APP_ENV": "test", "LOG_LEVEL": "WARNING", "AUTH_RATE_LIMIT_PER_MINUTE": "1000"}
        app_cmd = [CHAPTERHOUSE, "serve", "--port", str(app_port)]
        app_proc = subprocess.Popen(
            app_cmd,
            env=app_env,
            cwd=ROOT,
            stdout=open(logs / "app.out", "wb"),  # noqa: SIM115 (lives as long as the server) stderr=subprocess.STDOUT,
        )
        app_base = f"http://127.0.0.1:{app_port}"
        wait_health(app_base, app_proc, "app")
        log(f"app up (pid {app_proc.pid}) on {app_base}")

        # ---- seed through the API: register N users, the first creates the org; the rest join by SQL
        user_ids: list[uuid.UUID] = []
        emails: list[str] = []
        for i in range(args.members):
            email = f"bench{i:03d}@example.com"
            status, body = http(
                "POST",
                f"{app_base}/api/auth/register",
                {"email": email, "password": PASSWORD, "name": f"Bench User {i:03d}"},
            )
            if status not in (200, 201):
                raise RuntimeError(f"register {email}: {status} {body}")
            user_ids.append(uuid.UUID(body["id"]))  # type: ignore[index]
            emails.append(email)
        status, body = http("POST", f"{app_base}/api/auth/login", {"email": emails[0], "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"login: {status} {body}")
        token: str = body["access_token"]  # type: ignore[index]
        status, body = http("POST", f"{app_base}/api/orgs", {"name": "Bench Org", "slug": "bench-org"}, token)
        if status not in (200, 201):
            raise RuntimeError(f"create org: {status} {body}")
        org_id = uuid.UUID(body["id"])  # type: ignore[index]
        count = asyncio.run(add_members(db_url, org_id, user_ids[1:]))
        log(f"seeded org {org_id} with {count} members")
        asyncpg_conn_check = count == args.members
        if not asyncpg_conn_check:
            raise RuntimeError(f"expected {args.members} memberships, found {count}")

        path = f"/api/orgs/{org_id}/members"
        app_url, app_headers = app_base + path, {"Authorization": f"Bearer {token}"}

        # ---- correctness before speed
        status, app_body = http("GET", app_url, token=token)
        n_items = len(app_body["items"]) if isinstance(app_body, dict) else None
        if status != 200 or n_items != args.members:
            raise RuntimeError(f"app members: expected 200 with {args.members} items, got {status} {n_items}")
        status_bad, _ = http("GET", app_url, token="not-a-valid-token")
        if status_bad != 401:
            raise RuntimeError(f"app with a wrong token: expected 401, got {status_bad}")
        status_none, _ = http("GET", app_url)
        log(f"app checks: 200 with {n_items} items; wrong token -> {status_bad}; no token -> {status_none}")

        # ---- the floor
        floor_port = services.free_port()
        floor_env = {**base_env, "DATABASE_URL": db_url}
        floor_proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "floor_app.py"), "--port", str(floor_port)],
            env=floor_env,
            cwd=ROOT,
            stdout=open(logs / "floor.out", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        floor_base = f"http://127.0.0.1:{floor_port}"
        wait_health(floor_base, floor_proc, "floor")
        floor_url = floor_base + path
        status, floor_body = http("GET", floor_url)
        if status != 200 or not isinstance(floor_body, dict) or len(floor_body["items"]) != args.members:
            raise RuntimeError(f"floor members: expected 200 with {args.members} items, got {status}")
        same = floor_body == app_body
        log(f"floor up (pid {floor_proc.pid}); body identical to the app's: {same}")

        targets = [("app", app_proc, app_url, app_headers), ("floor", floor_proc, floor_url, {})]
        if args.pgbouncer:
            # ---- the same app through PgBouncer (transaction mode): read and write side both
            sys.path.insert(0, str(ROOT))
            from tests.pgbouncer import running_pgbouncer, via

            from entrypoints.settings import APP_ROLE, as_role

            bouncer_port = bouncer.enter_context(
                running_pgbouncer(db_url, users=("postgres", APP_ROLE), server_pool_size=args.pgbouncer_pool)
            )
            bounced_port = services.free_port()
            bounced_env = {
                **app_env,
                "APP_DATABASE_URL": via(as_role(db_url, APP_ROLE), bouncer_port),
                "DB_TRANSACTION_POOLER": "1",
            }
            bounced_proc = subprocess.Popen(
                [CHAPTERHOUSE, "serve", "--port", str(bounced_port)],
                env=bounced_env,
                cwd=ROOT,
                stdout=open(logs / "bounced.out", "wb"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
            )
            bounced_base = f"http://127.0.0.1:{bounced_port}"
            wait_health(bounced_base, bounced_proc, "app via PgBouncer")
            status, bounced_body = http("GET", bounced_base + path, token=token)
            if status != 200 or bounced_body != app_body:
                raise RuntimeError(f"app via PgBouncer: expected the app's body, got {status}")
            log(
                f"app via PgBouncer up (pid {bounced_proc.pid}), PgBouncer on {bouncer_port} "
                f"({args.pgbouncer_pool} server connections); body identical to the app's"
            )
            targets.append(("app via PgBouncer", bounced_proc, bounced_base + path, app_headers))

        # ---- load, one target at a time
        results: dict[str, tuple[LoadResult, float | None]] = {}
        usage: dict[str, dict[str, float]] = {}
        for name, proc, url, headers in targets:
            log(f"{name}: warm-up {args.warmup:.0f}s")
            load(args, url, headers, args.warmup)
            log(f"{name}: measuring {args.duration:.0f}s x {args.connections} connections")
            before = cpu_snapshot(proc.pid)
            res = load(args, url, headers, args.duration)
            usage[name] = cpu_usage(before, cpu_snapshot(proc.pid))
            results[name] = (res, rss_mb(proc.pid))
            log(f"{name}: {res.rps:.0f} req/s, p50 {res.p50_ms:.2f} ms, p99 {res.p99_ms:.2f} ms")

        # ---- report
        app_res, floor_res = results["app"][0], results["floor"][0]
        ratio = app_res.rps / floor_res.rps if floor_res.rps else float("nan")
        cmd = shlex.join([sys.executable, *sys.argv])
        print("## members list: app vs floor\n")
        print(f"- command: `{cmd}`")
        print(f"- date: {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}")
        print(f"- cores (os.cpu_count()): {os.cpu_count()}; python {platform.python_version()}")
        print(
            f"- load: {app_res.tool}, {args.connections} connections, {args.duration:.0f}s measured "
            f"after {args.warmup:.0f}s warm-up, one target at a time"
        )
        print(f"- load average at start: {load_at_start}")
        print(f"- request: GET {path} ({args.members} members; app with Authorization: Bearer)")
        print(f"- floor body identical to the app's: {same}\n")
        print("| target | requests/s | p50 ms | p99 ms | server RSS MB | requests | non-2xx | socket errors |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, (res, rss) in results.items():
            rss_s = f"{rss:.1f}" if rss is not None else "n/a"
            print(
                f"| {name} | {res.rps:,.0f} | {res.p50_ms:.2f} | {res.p99_ms:.2f} | {rss_s} | "
                f"{res.requests:,} | {res.non_2xx} | {res.errors} |"
            )
        print()
        print(
            "CPU during the measured runs (average cores busy; the box has "
            f"{os.cpu_count()}; 'other' = processes not part of this benchmark):\n"
        )
        print("| target | server | postgres | load generator | other | server CPU us/req | postgres CPU us/req |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, (res, _) in results.items():
            u = usage[name]
            print(
                f"| {name} | {u['server']:.2f} | {u['postgres']:.2f} | {u['loadgen']:.2f} | {u['other']:.2f} | "
                f"{1e6 * u['server'] / res.rps:.0f} | {1e6 * u['postgres'] / res.rps:.0f} |"
            )
        print()
        ok_ratio = ratio >= GOAL_RATIO
        p99_ratio = app_res.p99_ms / floor_res.p99_ms if floor_res.p99_ms else float("nan")
        ok_p99 = p99_ratio <= GOAL_P99_RATIO
        print(f"- throughput ratio app/floor: **{ratio:.2f}**; p99 ratio app/floor: **{p99_ratio:.2f}**")
        print(f"- goal: ratio >= {GOAL_RATIO}: {'PASS' if ok_ratio else 'FAIL'} ({ratio:.2f})")
        print(
            f"- goal: app p99 <= {GOAL_P99_RATIO}x the floor's: {'PASS' if ok_p99 else 'FAIL'} "
            f"({app_res.p99_ms:.2f} ms against {floor_res.p99_ms:.2f} ms)"
        )
        if "app via PgBouncer" in results:
            bounced_res = results["app via PgBouncer"][0]
            print(
                f"- app via PgBouncer (transaction mode) / app direct: {bounced_res.rps / app_res.rps:.2f}x "
                f"throughput, p99 {bounced_res.p99_ms:.2f} ms"
            )
        goals = (
            f"goals: ratio >= {GOAL_RATIO} {'PASS' if ok_ratio else 'FAIL'}, "
            f"p99 <= {GOAL_P99_RATIO}x floor {'PASS' if ok_p99 else 'FAIL'}"
        )
        summary = []
        for name in results:
            res, rss = results[name]
            summary.append({
                "target": {"floor": "floor: bare Litestar + asyncpg", "app": "app: GET members (auth, RLS)"}.get(
                    name, "app via PgBouncer (transaction mode)"),
                "baseline": name == "floor", "throughput": res.rps, "unit": "req/s",
                "p50_ms": res.p50_ms, "p99_ms": res.p99_ms, "rss_mb": rss,
                "ratio": res.rps / floor_res.rps if floor_res.rps else None,
                "note": f"{res.tool}, {args.connections} conn, {args.duration:.0f}s; non-2xx={res.non_2xx} "
                        f"socket errors={res.errors}" + (f"; {goals}" if name == "app" else ""),
            })  # fmt: skip
        emit("members_list", summary)
        sys.stdout.flush()

        if args.profile:
            log("profiling the app with py-spy under the same load")
            print("\n## app profile\n")
            print(profile_app(args, app_proc.pid, app_url, app_headers))
        return 0 if (ok_ratio and ok_p99) else 1
    finally:
        stop(app_proc)
        stop(floor_proc)
        stop(bounced_proc)
        bouncer.close()
        if created and not args.keep_db:
            try:
                asyncio.run(drop_database(admin_url, db_name))
                log(f"dropped database {db_name}")
            except Exception as exc:  # cleanup must not hide the real error
                log(f"could not drop {db_name}: {exc}")


if __name__ == "__main__":
    sys.exit(main())
