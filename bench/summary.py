"""One machine-readable line per benchmark run, for bench/run_all.py to gather into a single table.

    from summary import emit  # bench/ is on sys.path when a bench runs as `python bench/<name>.py`

    emit("members_list", [
        {"target": "floor", "baseline": True, "throughput": 5200.0, "unit": "req/s", "p50_ms": 11.0, ...},
        {"target": "app", "baseline": False, "throughput": 3100.0, "unit": "req/s", "ratio": 0.6, ...},
    ])

prints ``BENCH-SUMMARY {"bench": "members_list", "rows": [...]}`` on stdout. Each row has the keys of ROW_KEYS:
target (str), baseline (bool: the bare baseline row), throughput (float|None), unit (str), p50_ms, p99_ms
(float|None), ratio (float|None: throughput / the bench's baseline, or the ratio a latency-only bench states),
rss_mb (float|None) and note (str). Missing keys default to None ("" for note, False for baseline); NaN and
infinities become None so the line stays valid JSON.
"""

from __future__ import annotations

import json
import math
from typing import Any

PREFIX = "BENCH-SUMMARY "
ROW_KEYS = ("target", "baseline", "throughput", "unit", "p50_ms", "p99_ms", "ratio", "rss_mb", "note")
_FLOATS = ("throughput", "p50_ms", "p99_ms", "ratio", "rss_mb")


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def normalize(row: dict[str, Any]) -> dict[str, Any]:
    unknown = set(row) - set(ROW_KEYS)
    if unknown:
        raise ValueError(f"unknown summary keys: {sorted(unknown)}")
    out: dict[str, Any] = {
        "target": str(row.get("target", "")),
        "baseline": bool(row.get("baseline", False)),
        "unit": row.get("unit") or "",
        "note": str(row.get("note") or ""),
    }
    for key in _FLOATS:
        out[key] = _number(row.get(key))
    return {key: out[key] for key in ROW_KEYS}


def ratio(value: float | None, baseline: float | None) -> float | None:
    """value / baseline, or None when either is missing or the baseline is zero."""
    if value is None or baseline is None or not baseline:
        return None
    return value / baseline


def emit(bench: str, rows: list[dict[str, Any]]) -> None:
    """Print ``BENCH-SUMMARY <json>`` (one line) on stdout and flush."""
    line = json.dumps({"bench": bench, "rows": [normalize(r) for r in rows]}, separators=(",", ":"))
    print(PREFIX + line, flush=True)


def parse(stdout: str) -> list[dict[str, Any]]:
    """Every BENCH-SUMMARY payload in a bench's stdout (usually one)."""
    found = []
    for line in stdout.splitlines():
        if line.startswith(PREFIX):
            found.append(json.loads(line[len(PREFIX) :]))
    return found
