from __future__ import annotations

import uuid
from typing import Protocol


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool:
        """True when the password matches; never raises for a wrong password."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class InvitationTokenCodec(Protocol):
    """Signs invitation references so that a token cannot be forged or altered."""

    def encode(self, organization_id: uuid.UUID, invitation_id: uuid.UUID) -> str: ...

    def decode(self, token: str) -> tuple[uuid.UUID, uuid.UUID]:
        """(organization_id, invitation_id); raises domain.errors.InvalidToken when tampered or malformed."""
        ...
