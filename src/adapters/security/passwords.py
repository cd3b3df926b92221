from __future__ import annotations

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2PasswordHasher:
    """argon2id through argon2-cffi; parameters are stored in each hash, so they can be raised later."""

    def __init__(self, *, time_cost: int = 2, memory_cost: int = 19_456, parallelism: int = 1) -> None:
        # OWASP's argon2id minimum (19 MiB, t=2, p=1): safe, and cheap enough for a 2-core server.
        self._hasher = _Argon2(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
