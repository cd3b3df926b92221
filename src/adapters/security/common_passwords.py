"""The most common passwords, from zxcvbn's ranked list (Dropbox's password-strength estimator, on PyPI as
``zxcvbn``): its 30,000 most frequent leaked passwords. Only the list is used, not the estimator: the policy
is "long enough and not a well-known password" (NIST SP 800-63B), not a score."""

from __future__ import annotations

from zxcvbn.frequency_lists import FREQUENCY_LISTS


class ZxcvbnCommonPasswords:
    """Pure lookup, so it serves as its own in-memory twin."""

    def __init__(self, size: int = 10_000) -> None:
        self._common = frozenset(FREQUENCY_LISTS["passwords"][:size])

    def is_common(self, password: str) -> bool:
        return password.lower() in self._common
