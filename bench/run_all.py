"""Run every benchmark of bench/ in sequence and write ONE Markdown table of their figures.

    .venv/bin/python bench/run_all.py [--quick] [--only members_list,jobs_throughput] [--timeout-scale 2]
    make bench BENCH_ARGS=--quick

Each bench runs as a subprocess (this interpreter), one at a time, with a per-bench timeout. Its stdout and
stderr are echoed live on stderr; the `BENCH-SUMMARY <json>` lines it prints (bench/summary.py) become rows of
the table. The report goes to bench/results/report.md: date, os.cpu_count(), load average at start, Python
version, the command, the table (bench | target | throughput | unit | p50 ms | p99 ms | ratio to baseline |
RSS MB | note), then each bench's full stdout in a collapsed <details> section. The table is printed on stdout
too. A bench that exits non-zero, times out or prints no summary still gets a row saying so; the runner
carries on and exits 1 at the end if any bench failed (a non-zero exit includes a bench's own missed goal).

--quick passes smaller sizes to each bench (QUICK_ARGS below): a smoke run of the whole set, not figures
to quote. Benches found in bench/ but not listed in BENCHES (a new file with a `__main__` guard) run with
their defaults, after the known ones.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from summary import PREFIX, parse

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"

# Run order, and the timeout in seconds of a full run (a quick run gets QUICK_TIMEOUT).
BENCHES: dict[str, float] = {
    "members_list": 600,
    "jobs_throughput": 900,
    "events_list": 1800,
    "stripe_webhooks": 600,
    "realtime_fanout": 900,
    "ticket_rush": 900,
    "announcement_fanout": 900,
    "public_events": 600,
    "jobs_cluster": 600,
    "realtime_scale": 1200,
}
QUICK_TIMEOUT = 420.0
QUICK_ARGS: dict[str, list[str]] = {
    "members_list": ["--duration", "5", "--warmup", "1"],
    "jobs_throughput": ["--jobs", "5000"],
    "events_list": ["--orgs", "100", "--small-orgs", "10", "--per-org", "500", "--requests", "200"],
    "stripe_webhooks": ["--deliveries", "100"],
    "realtime_fanout": ["--sockets", "200,400", "--messages", "60"],
    "ticket_rush": ["--attempts", "300", "--seats", "50"],
    "announcement_fanout": ["--members", "1000"],
    "public_events": ["--duration", "3", "--events", "25"],
    "jobs_cluster": ["--jobs", "3000"],
    "realtime_scale": ["--idle-sockets", "1000", "--idle-seconds", "10", "--orgs", "8", "--org-seconds", "3"],
}
# Modules of bench/ that are not benchmarks (helpers, servers the benches start).
NOT_BENCHES = {"run_all", "summary", "floor_app", "floor_realtime", "lean_ws"}
UNKNOWN_TIMEOUT = 900.0
GRACE_SECONDS = 30.0  # after SIGINT, for the bench's own clean-up (stop servers, drop its database)
NA = "n/a"
COLUMNS = ("bench", "target", "throughput", "unit", "p50 ms", "p99 ms", "ratio to baseline", "RSS MB", "note")


@dataclass
class Outcome:
    bench: str
    command: list[str]
    returncode: int | None = None
    timed_out: bool = False
    seconds: float = 0.0
    stdout: str = ""
    stderr: str = ""
    summaries: list[dict[str, Any]] = field(default_factory=list)
    problem: str = ""  # launch error, unparseable summary, ...

    @property
    def failed(self) -> bool:
        return self.timed_out or self.returncode != 0 or bool(self.problem)

    @property
    def status(self) -> str:
        if self.timed_out:
            return f"TIMED OUT after {self.seconds:.0f}s"
        if self.returncode is None:
            return f"DID NOT RUN ({self.problem})"
        if self.returncode == 0:
            text = "ok"
        elif self.summaries:
            text = f"FAILED (exit {self.returncode} after its summary: a missed goal or a failed check)"
        else:
            text = f"FAILED (exit {self.returncode})"
        return f"{text}; {self.problem}" if self.problem else text


def log(message: str) -> None:
    print(f"[run_all {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def discover() -> list[str]:
    """The known benches in their order, then any other bench/*.py with a __main__ guard."""
    found = {p.stem for p in BENCH_DIR.glob("*.py") if not p.stem.startswith("_")} - NOT_BENCHES
    extra = sorted(
        name
        for name in found - set(BENCHES)
        if '__name__ == "__main__"' in (BENCH_DIR / f"{name}.py").read_text(errors="replace")
    )
    return [name for name in BENCHES if name in found] + extra


def _pump(stream: IO[str], sink: list[str], echo_prefix: str) -> None:
    for line in stream:
        sink.append(line)
        sys.stderr.write(echo_prefix + line)
        sys.stderr.flush()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def group_members(pgid: int) -> list[int]:
    """Live processes of process group pgid (Linux /proc)."""
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if fields[0] != "Z" and int(fields[2]) == pgid:
                members.append(int(entry))
    return members


def run_one(name: str, extra_args: list[str], timeout: float) -> Outcome:
    command = [sys.executable, str(BENCH_DIR / f"{name}.py"), *extra_args]
    outcome = Outcome(name, command)
    log(f"{name}: {shlex.join(command)} (timeout {timeout:.0f}s)")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    started = time.monotonic()
    try:
        # Own process group: on a timeout the bench and every server it started can be stopped together.
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            errors="replace", start_new_session=True,
        )  # fmt: skip
    except OSError as exc:
        outcome.problem = f"could not start: {exc}"
        return outcome
    out_lines: list[str] = []
    err_lines: list[str] = []
    readers = [
        threading.Thread(target=_pump, args=(proc.stdout, out_lines, f"  {name}| "), daemon=True),
        threading.Thread(target=_pump, args=(proc.stderr, err_lines, f"  {name}! "), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        outcome.timed_out = True
        log(f"{name}: timed out after {timeout:.0f}s; SIGINT, then {GRACE_SECONDS:.0f}s for its clean-up")
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=GRACE_SECONDS)
        _signal_group(proc.pid, signal.SIGKILL)
        raise
    left = group_members(proc.pid)
    if left:  # a server the bench did not stop: its process group is ours, so it goes too
        log(f"{name}: left {len(left)} process(es) behind ({', '.join(map(str, left))}); SIGTERM to its group")
        _signal_group(proc.pid, signal.SIGTERM)
    for reader in readers:
        reader.join(timeout=10)
    outcome.seconds = time.monotonic() - started
    outcome.returncode = proc.returncode
    outcome.stdout, outcome.stderr = "".join(out_lines), "".join(err_lines)
    try:
        outcome.summaries = parse(outcome.stdout)
    except ValueError as exc:
        outcome.problem = f"unparseable {PREFIX.strip()} line: {exc}"
    log(f"{name}: {outcome.status} in {outcome.seconds:.0f}s, {len(outcome.summaries)} summary line(s)")
    return outcome


# ---------------------------------------------------------------- the table


def _num(value: Any, digits: int) -> str:
    if value is None:
        return NA
    try:
        number = float(value)
    except (TypeError, ValueError):
        return _cell(value)
    if digits == 0 or abs(number) >= 1000:
        return f"{number:,.0f}"
    return f"{number:,.{digits}f}"


def _throughput(value: Any) -> str:
    try:
        return _num(value, 0 if abs(float(value)) >= 100 else 1)
    except (TypeError, ValueError):
        return _num(value, 1)


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ").strip()


def summary_rows(payloads: list[Any]) -> list[dict[str, Any]]:
    """The rows of every payload: {"bench", "rows": [...]} as summary.emit prints, or a bare row or list of rows."""
    rows: list[dict[str, Any]] = []
    for payload in payloads:
        if isinstance(payload, dict) and isinstance(payload.get("rows"), list):
            rows += [r for r in payload["rows"] if isinstance(r, dict)]
        elif isinstance(payload, dict):
            rows.append(payload)
        elif isinstance(payload, list):
            rows += [r for r in payload if isinstance(r, dict)]
    return rows


def table_rows(outcome: Outcome) -> list[list[str]]:
    rows: list[list[str]] = []
    for row in summary_rows(outcome.summaries):
        target = _cell(row.get("target", "?"))
        if row.get("baseline"):
            target += " *(baseline)*"
        note = _cell(row.get("note") or "")
        if outcome.failed and not rows:  # once per bench, on its first row
            note = f"**{outcome.status}**; {note}" if note else f"**{outcome.status}**"
        rows.append([
            outcome.bench, target, _throughput(row.get("throughput")), _cell(row.get("unit") or ""),
            _num(row.get("p50_ms"), 2), _num(row.get("p99_ms"), 2), _num(row.get("ratio"), 2),
            _num(row.get("rss_mb"), 1), note,
        ])  # fmt: skip
    if not rows:
        note = f"**{outcome.status}**; no summary" if outcome.failed else "no summary (its figures: output below)"
        rows.append([outcome.bench, NA, NA, "", NA, NA, NA, NA, note])
    return rows


def markdown_table(outcomes: list[Outcome]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|---|---|---:|---|---:|---:|---:|---:|---|"]
    for outcome in outcomes:
        lines += ["| " + " | ".join(cells) + " |" for cells in table_rows(outcome)]
    return "\n".join(lines)


def _fence(text: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def report(args: argparse.Namespace, outcomes: list[Outcome], header: dict[str, str], table: str) -> str:
    parts = ["# Chapterhouse benchmarks\n"]
    parts += [f"- {key}: {value}" for key, value in header.items()]
    parts.append("")
    parts.append(table)
    parts.append("")
    parts.append(
        "Ratios are throughput ÷ the bench's *(baseline)* row (for latency-only benches, the ratio the bench "
        "states, explained in the note); n/a means the bench does not measure that figure."
        + (" **Quick run: small sizes, a smoke test of the set, not figures to quote.**" if args.quick else "")
    )
    parts.append("\n## Runs\n")
    for outcome in outcomes:
        parts.append(f"- {outcome.bench}: {outcome.status}, {outcome.seconds:.0f}s — `{shlex.join(outcome.command)}`")
    parts.append("\n## Output of each bench\n")
    for outcome in outcomes:
        parts.append(f"<details><summary>{outcome.bench}: {outcome.status}, {outcome.seconds:.0f}s</summary>\n")
        parts.append(f"`{shlex.join(outcome.command)}`\n")
        parts.append("stdout:\n")
        parts.append(_fence(outcome.stdout or "(empty)"))
        if outcome.failed and outcome.stderr:
            tail = "".join(outcome.stderr.splitlines(keepends=True)[-80:])
            parts.append("\nstderr (last 80 lines):\n")
            parts.append(_fence(tail))
        parts.append("\n</details>\n")
    return "\n".join(parts) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes for every bench (a smoke run)")
    parser.add_argument("--only", default="", help="comma-separated bench names (default: all)")
    parser.add_argument("--timeout-scale", type=float, default=1.0, help="multiply every per-bench timeout")
    parser.add_argument("--output", type=Path, default=RESULTS / "report.md")
    args = parser.parse_args()

    names = discover()
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            parser.error(f"unknown bench(es) {unknown}; known: {names}")
        names = [n for n in names if n in wanted]

    load_at_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    header = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cores (os.cpu_count())": str(os.cpu_count()),
        "load average at start (1/5/15 min)": load_at_start,
        "python": f"{platform.python_version()} ({sys.executable})",
        "machine": f"{platform.system()} {platform.release()} {platform.machine()}",
        "command": f"`{shlex.join([sys.executable, *sys.argv])}`",
        "mode": "quick (small sizes)" if args.quick else "full (each bench's defaults)",
        "benches": ", ".join(names),
    }
    log(f"{len(names)} benches: {', '.join(names)}; cores {os.cpu_count()}; load {load_at_start}")
    started = time.monotonic()
    outcomes: list[Outcome] = []
    for name in names:
        extra = QUICK_ARGS.get(name, []) if args.quick else []
        timeout = QUICK_TIMEOUT if args.quick else BENCHES.get(name, UNKNOWN_TIMEOUT)
        outcomes.append(run_one(name, extra, timeout * args.timeout_scale))

    header["total wall time"] = f"{time.monotonic() - started:.0f}s"
    header["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    table = markdown_table(outcomes)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report(args, outcomes, header, table))

    print(f"cores (os.cpu_count()): {header['cores (os.cpu_count())']}; load average at start: {load_at_start}; "
          f"python {platform.python_version()}; {header['mode']}\n")  # fmt: skip
    print(table)
    failed = [o for o in outcomes if o.failed]
    print()
    for outcome in failed:
        print(f"FAILED: {outcome.bench}: {outcome.status}")
    print(f"report: {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
