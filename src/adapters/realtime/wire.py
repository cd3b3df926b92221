"""Server-to-client frames encoded once per broadcast and written straight to each socket's transport.

A broadcast frame is the same bytes for every socket (servers do not mask), yet a plain `send_text` makes the
server encode it again for each one (str -> UTF-8 -> frame header + payload) and walks every ASGI send wrapper
on the way. When the server is uvicorn's sans-I/O WebSocket protocol (what `chapterhouse serve` runs), a
socket can instead write the frame built once by its Delivery. Anything else falls back to `send_text`.
"""

from __future__ import annotations

from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send
from websockets.protocol import State

from adapters.realtime.frames import text_frame

__all__ = ["RAW_SEND", "RawWriter", "expose_raw_send", "text_frame"]

RAW_SEND = "chapterhouse.raw_send"


def expose_raw_send(app: ASGIApp) -> ASGIApp:
    """Wraps the application's ASGI handler (`app.asgi_handler`: outside the send wrappers Litestar adds per
    route) to keep the server's own `send` in the socket's scope, for RawWriter.for_scope."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.WEBSOCKET:
            scope[RAW_SEND] = send  # type: ignore[literal-required]  # our own key in the scope
        await app(scope, receive, send)

    return middleware


class RawWriter:
    """Writes ready frames to one socket's transport, in order with the server's own writes (both are
    synchronous transport writes on the event loop)."""

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol
        self._transport = protocol.transport

    @classmethod
    def for_scope(cls, scope: Any) -> RawWriter | None:
        protocol = getattr(scope.get(RAW_SEND), "__self__", None)
        if type(protocol).__name__ != "WebSocketsSansIOProtocol" or not hasattr(protocol, "transport"):
            return None
        return cls(protocol)

    @property
    def open(self) -> bool:
        protocol = self._protocol
        return not protocol.close_sent and protocol.conn.state is State.OPEN and not self._transport.is_closing()

    @property
    def buffered(self) -> int:
        """Bytes written but not yet taken by the kernel: how far behind the client is."""
        return int(self._transport.get_write_buffer_size())

    def write(self, frame: bytes) -> None:
        self._transport.write(frame)
