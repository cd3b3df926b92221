"""A structlog processor that keeps secrets out of every log line, ours and the libraries' alike.

Two nets: fields whose name says "secret" (password, token, code, ...) lose their value, and free text
(an email body, a library's message, a path) loses whatever looks like a credential: `token=...` query
parameters, bearer tokens, Stripe keys and client secrets, and long random base64url runs (access tokens,
invitation tokens, ticket codes). Identifiers stay readable: UUIDs, hex request ids, snake_case names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

REDACTED = "[redacted]"

_SECRET_KEYS = frozenset(
    {"password", "token", "secret", "code", "authorization", "cookie", "api_key", "client_secret", "ticket_code"}
)
_SECRET_SUFFIXES = ("_password", "_token", "_secret", "_key", "_code")

_ASSIGNMENT = re.compile(r"(?i)\b((?:access_)?token|code|secret|password|client_secret|key)=([^&\s\"',;]+)")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+")
_STRIPE = re.compile(r"\b(?:pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+|\b(?:sk|rk|pk)_(?:test|live)_\w+|\bwhsec_\w+")
_RANDOM_RUN = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{22,}(?![A-Za-z0-9_-])")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_PLAIN_WORDS = re.compile(r"^[a-z0-9_:-]*$")  # snake_case names, lowercase hex ids, dates
_CAMEL_CASE = re.compile(r"^(?:[A-Z][a-z]+)+$")  # class names (a random run is almost never shaped so)


def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return lowered in _SECRET_KEYS or lowered.endswith(_SECRET_SUFFIXES)


def _random_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if _UUID.match(run) or _PLAIN_WORDS.match(run) or _CAMEL_CASE.match(run):
        return run
    return REDACTED


def redact_text(text: str) -> str:
    text = _ASSIGNMENT.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _STRIPE.sub(REDACTED, text)
    return _RANDOM_RUN.sub(_random_run, text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: REDACTED if _is_secret_key(str(k)) and v else _redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    return value


def redact_secrets(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event_dict.items()):
        if key.startswith("_"):  # structlog's own (the stdlib record)
            continue
        if _is_secret_key(key) and value:
            event_dict[key] = REDACTED
        elif isinstance(value, str | Mapping | list | tuple):
            event_dict[key] = _redact_value(value)
    return event_dict
