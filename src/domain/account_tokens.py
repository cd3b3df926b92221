"""One-time account tokens: a password reset link, an email verification link.

Only the token's hash is stored; the token itself is signed (see the AccountTokenCodec port), so a
forged or altered one is refused before any lookup. Single use and expiry are checked here, on the
stored row, under the unit of work's row lock.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.errors import InvalidToken
from domain.ids import new_id


class TokenPurpose(enum.StrEnum):
    PASSWORD_RESET = "password_reset"
    EMAIL_VERIFICATION = "email_verification"


LIFETIMES = {
    TokenPurpose.PASSWORD_RESET: timedelta(hours=1),
    TokenPurpose.EMAIL_VERIFICATION: timedelta(days=3),
}


@dataclass(eq=False)
class AccountToken:
    user_id: uuid.UUID
    purpose: TokenPurpose
    created_at: datetime
    expires_at: datetime
    token_hash: bytes = b""
    id: uuid.UUID = field(default_factory=new_id)
    used_at: datetime | None = None

    @classmethod
    def issue(cls, *, user_id: uuid.UUID, purpose: TokenPurpose, now: datetime) -> AccountToken:
        return cls(user_id=user_id, purpose=purpose, created_at=now, expires_at=now + LIFETIMES[purpose])

    def redeem(self, *, purpose: TokenPurpose, token_hash: bytes, now: datetime) -> None:
        """Marks the token used; raises InvalidToken when it is of another kind, used, expired or not this one."""
        if self.purpose != purpose or self.token_hash != token_hash:
            raise InvalidToken("the token is not valid")
        if self.used_at is not None:
            raise InvalidToken("the token was already used")
        if now >= self.expires_at:
            raise InvalidToken("the token has expired")
        self.used_at = now

    def retire(self, now: datetime) -> None:
        """A newer token of the same kind replaces this one."""
        if self.used_at is None:
            self.used_at = now
