"""Response headers every answer carries, and the stricter ones some paths need.

- ``X-Content-Type-Options: nosniff`` on everything: a JSON error echoing input is never sniffed as HTML.
- ``Cache-Control: no-store`` on ``/api/auth/*``: the login answer carries a bearer token; no cache keeps it.
- A Content-Security-Policy with ``frame-ancestors 'none'`` on the API documentation (``/schema``): the pages
  load their scripts from the CDNs Litestar's render plugins use, and nothing may frame them (clickjacking).
"""

from __future__ import annotations

from litestar.types import Message, Scope

DOCS_CDNS = "https://cdn.jsdelivr.net https://unpkg.com"
SCHEMA_CSP = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {DOCS_CDNS}; style-src 'self' 'unsafe-inline' {DOCS_CDNS}; "
    f"img-src 'self' data: {DOCS_CDNS}; font-src 'self' data: {DOCS_CDNS}; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
).encode()

_ALWAYS = [(b"x-content-type-options", b"nosniff")]
_NO_STORE = [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
_SCHEMA = [(b"content-security-policy", SCHEMA_CSP), (b"x-frame-options", b"DENY")]


def _extra_headers(path: str) -> list[tuple[bytes, bytes]]:
    if path.startswith("/api/auth/"):
        return _ALWAYS + _NO_STORE
    if path == "/schema" or path.startswith("/schema/"):
        return _ALWAYS + _SCHEMA
    return _ALWAYS


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A Litestar ``before_send`` hook: it sees every response, unmatched paths (404, 405) included."""
    if message["type"] != "http.response.start":
        return
    extra = _extra_headers(scope["path"])
    names = {name for name, _ in extra}
    kept = [(k, v) for k, v in message.get("headers", ()) if bytes(k).lower() not in names]
    message["headers"] = [*kept, *extra]
