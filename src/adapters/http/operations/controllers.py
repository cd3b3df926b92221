"""Liveness and readiness: /health says the process is up, /ready that its dependencies answer."""

from __future__ import annotations

from typing import Any, Protocol

from litestar import Response, get


class ReadinessCheck(Protocol):
    name: str

    async def __call__(self) -> None: ...


def operations_handlers(checks: list[ReadinessCheck]) -> list[Any]:
    @get("/health", tags=["operations"], summary="The process is up")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @get("/ready", tags=["operations"], summary="The database (and Redis, when configured) answer")
    async def ready() -> Response[dict[str, Any]]:
        results: dict[str, str] = {}
        for check in checks:
            try:
                await check()
                results[check.name] = "ok"
            except Exception as exc:  # a readiness probe reports, it never raises
                results[check.name] = f"failing: {type(exc).__name__}"
        healthy = all(v == "ok" for v in results.values())
        return Response(
            {"status": "ok" if healthy else "unavailable", "checks": results},
            status_code=200 if healthy else 503,
        )

    return [health, ready]
