"""Which of many bearer tokens stopped being valid: one question per process for all its open sockets."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol


class TokenValidity(Protocol):
    async def invalid_among(self, token_hashes: Collection[bytes]) -> set[bytes]:
        """The given token hashes that are unknown, revoked or expired."""
        ...
