"""Domain errors to HTTP statuses, in Litestar's error shape {status_code, detail, extra}."""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException

from adapters.http.unavailable import RETRY_AFTER_SECONDS, is_database_unavailable
from application.ports.payments import InvalidWebhook, PaymentGatewayError, PaymentProviderUnavailable
from domain.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    EntitlementExceeded,
    InvalidInput,
    InvalidToken,
    NotFound,
    OrganizationDeleting,
    OrganizationSuspended,
    PermissionDenied,
)

log = logging.getLogger("chapterhouse.http")

STATUS_OF: dict[type[DomainError], int] = {
    InvalidInput: 422,
    InvalidToken: 400,
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    OrganizationSuspended: 403,
    OrganizationDeleting: 403,
    NotFound: 404,
    Conflict: 409,
    EntitlementExceeded: 402,  # the plan's limit: upgrading makes the same request succeed
    InvalidWebhook: 400,
    PaymentGatewayError: 402,  # the provider refused (no or declined payment method, ...)
    PaymentProviderUnavailable: 503,  # the provider could not be reached; retrying may succeed
}


def status_for(exc: DomainError) -> int:
    for kind in type(exc).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    return 400


def error_response(status: int, detail: str, extra: Any = None, headers: dict[str, str] | None = None) -> Response[Any]:
    body: dict[str, Any] = {"status_code": status, "detail": detail}
    if extra is not None:
        body["extra"] = extra
    return Response(body, status_code=status, media_type=MediaType.JSON, headers=headers)


def domain_error_handler(_: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status = status_for(exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    # Errors that carry details for clients (e.g. which entitlement and limit was hit) send them as `extra`.
    return error_response(status, exc.detail, getattr(exc, "extra", None), headers=headers)


def http_exception_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    return error_response(exc.status_code, exc.detail, exc.extra or None, headers=exc.headers)


def unexpected_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if is_database_unavailable(exc):
        log.warning("database unavailable on %s %s: %r", request.method, request.url.path, exc)
        return error_response(
            503,
            "the service is briefly unavailable, retry shortly",
            {"code": "database_unavailable"},
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        )
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal server error")


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    DomainError: domain_error_handler,
    HTTPException: http_exception_handler,
    Exception: unexpected_error_handler,
}
