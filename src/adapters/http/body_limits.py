"""Every request body is checked at the edge, before routing reaches a handler or a dependency:

- size: at most ``max_bytes`` (or the route's own smaller ``request_max_body_size``), read incrementally
  so a huge body is refused without being buffered;
- media type: a body sent with a Content-Type that is not JSON is refused (415);
- nesting: JSON nested deeper than ``max_depth`` is refused (decoders recurse: 1,000 levels blew the stack);
- strict types: the body is decoded into the route's ``data`` type with msgspec's ``strict=True``, so
  ``"quantity": "1"`` is a 400, not silently the number 1 (Litestar converts the handler's arguments
  leniently, because query and path values arrive as strings).

Refusals answer Litestar's error shape with a machine-readable ``extra.code``.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any

import msgspec
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPRequestEvent, Receive, ReceiveMessage, Scope, Send

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKETS)
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth_exceeds(body: bytes, max_depth: int) -> bool:
    """Whether the JSON text nests arrays/objects deeper than max_depth (brackets inside strings ignored)."""
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return False  # the common case, at C speed: not enough openings to get that deep
    brackets = _JSON_STRING.sub(b'""', body).translate(None, _NOT_BRACKETS)
    return max(accumulate(_DEPTH_STEP[b] for b in brackets), default=0) > max_depth


def is_json_media_type(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


class BodyRefused(Exception):
    def __init__(self, status: int, code: str, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.errors = status, code, detail, errors


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class _StrictDecoders:
    """One strict msgspec decoder per route handler with a ``data`` parameter (None: nothing to check)."""

    def __init__(self) -> None:
        self._by_handler: dict[int, msgspec.json.Decoder[Any] | None] = {}

    def get(self, handler: Any) -> msgspec.json.Decoder[Any] | None:
        key = id(handler)
        if key not in self._by_handler:
            self._by_handler[key] = self._build(handler)
        return self._by_handler[key]

    @staticmethod
    def _build(handler: Any) -> msgspec.json.Decoder[Any] | None:
        field = handler.parsed_fn_signature.parameters.get("data") if handler is not None else None
        if field is None:
            return None
        try:
            return msgspec.json.Decoder(field.annotation, strict=True)
        except (TypeError, ValueError):
            return None  # a type msgspec cannot decode natively: Litestar's own validation stays in charge


def body_limits(*, max_bytes: int, max_depth: int) -> Any:
    """The ASGI middleware factory (for Litestar's ``middleware=[...]``, which runs it per matched route)."""
    decoders = _StrictDecoders()

    def middleware(app: ASGIApp) -> ASGIApp:
        async def guard(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP or scope.get("method") not in BODY_METHODS:
                await app(scope, receive, send)
                return
            handler = scope.get("route_handler")
            try:
                body = await _read_body(scope, receive, _limit_of(handler, max_bytes))
                _check(scope, body, handler, decoders, max_depth)
            except BodyRefused as refused:
                await _refuse(send, refused)
                return
            replayed = False

            async def replay() -> ReceiveMessage:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return HTTPRequestEvent(type="http.request", body=body, more_body=False)
                return await receive()

            await app(scope, replay, send)

        return guard

    return middleware


def _limit_of(handler: Any, max_bytes: int) -> int:
    route_limit = handler.resolve_request_max_body_size() if handler is not None else None
    return min(max_bytes, route_limit) if route_limit else max_bytes


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    too_large = BodyRefused(400, "body_too_large", f"the request body is larger than {limit} bytes")
    declared = _header(scope, b"content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away; the handler sees the disconnect
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _check(scope: Scope, body: bytes, handler: Any, decoders: _StrictDecoders, max_depth: int) -> None:
    if not body:
        return
    content_type = _header(scope, b"content-type")
    if content_type is not None and not is_json_media_type(content_type):
        raise BodyRefused(415, "unsupported_media_type", "the request body must be application/json")
    if json_depth_exceeds(body, max_depth):
        raise BodyRefused(400, "json_too_deep", f"the JSON body is nested deeper than {max_depth} levels")
    decoder = decoders.get(handler)
    if decoder is None:
        return
    try:
        decoder.decode(body)
    except msgspec.ValidationError as invalid:
        message = str(invalid)
        key = message.rsplit(" - at `$.", 1)[-1].rstrip("`") if " - at `$." in message else ""
        raise BodyRefused(
            400, "invalid_body", "Validation failed", [{"message": message, "key": key, "source": "body"}]
        ) from None
    except msgspec.DecodeError:
        raise BodyRefused(400, "malformed_json", "the request body is not valid JSON") from None


async def _refuse(send: Send, refused: BodyRefused) -> None:
    extra: dict[str, Any] = {"code": refused.code}
    if refused.errors:
        extra["errors"] = refused.errors
    payload = msgspec.json.encode({"status_code": refused.status, "detail": refused.detail, "extra": extra})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    if refused.code == "body_too_large":
        headers.append((b"connection", b"close"))  # the rest of the body is never read
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload, "more_body": False})
