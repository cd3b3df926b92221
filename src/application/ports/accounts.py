"""Ports of the account's own side: one-time tokens (reset, verification), their codec, the password list."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

from application.ports.persistence import UnitOfWork
from domain.account_tokens import AccountToken, TokenPurpose


class AccountTokenRepository(Protocol):
    """Global rows (a user's tokens are not a tenant's)."""

    async def add(self, token: AccountToken) -> None: ...

    async def get_for_update(self, token_id: uuid.UUID) -> AccountToken | None: ...

    async def open_for_user(self, user_id: uuid.UUID, purpose: TokenPurpose, now: datetime) -> list[AccountToken]:
        """Unused, unexpired tokens of that kind, locked (a new one retires them)."""
        ...


class AccountsUnitOfWork(UnitOfWork, Protocol):
    account_tokens: AccountTokenRepository


class AccountsUnitOfWorkFactory(Protocol):
    def __call__(
        self, organization_id: uuid.UUID | None = None, user_id: uuid.UUID | None = None
    ) -> AccountsUnitOfWork: ...


class AccountTokenCodec(Protocol):
    """Signs a token's id with its purpose: the same id always gives the same token, so the email job can
    rebuild the link from the id in the outbox and the token itself is never stored or queued."""

    def encode(self, purpose: TokenPurpose, token_id: uuid.UUID) -> str: ...

    def decode(self, purpose: TokenPurpose, token: str) -> uuid.UUID:
        """The token id; raises domain.errors.InvalidToken when tampered, malformed or of another purpose."""
        ...


class CommonPasswords(Protocol):
    def is_common(self, password: str) -> bool: ...
