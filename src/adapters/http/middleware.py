"""Per-request context for logs: a request id (the client's X-Request-ID or a new one) and one
access-log line per request. The WebSocket token lives in the query string, so query strings are
never logged. Kept lean: it runs on every request."""

from __future__ import annotations

import os
import time

import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send

access_log = structlog.get_logger("chapterhouse.access")


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers") or ():
        if name == b"x-request-id":
            raw = value[:64].decode("latin-1")
            if raw and raw.isprintable():
                return raw
            break
    return os.urandom(16).hex()


def request_context_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await app(scope, receive, send)
            return
        request_id = _request_id(scope)
        header = (b"x-request-id", request_id.encode())
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            access_log.info(
                "request",
                method=scope.get("method", "WS"),
                path=scope["path"],
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )

    return middleware
