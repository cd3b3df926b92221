"""Who may read /metrics: a bearer METRICS_TOKEN when one is configured; without one, loopback clients only
in prod (a scraper on the same host, or a proxy that does not forward /metrics), anyone in dev and test."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def metrics_guard(token: str | None, *, loopback_only: bool) -> Any:
    expected = f"Bearer {token}".encode() if token else None

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: Any) -> None:
        if expected is not None:
            given = connection.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                raise NotAuthorizedException(
                    "metrics need the METRICS_TOKEN bearer token", headers={"WWW-Authenticate": "Bearer"}
                )
            return
        if loopback_only and not _is_loopback(connection.client.host if connection.client else None):
            raise PermissionDeniedException("metrics are served to loopback clients only")

    return guard
