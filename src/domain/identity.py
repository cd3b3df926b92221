"""Users are global: one person, one account, memberships in many organizations."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from domain.errors import InvalidInput
from domain.events import Aggregate, DomainEvent
from domain.ids import new_id

# Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is the mailer's job.
_EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
COMMON_PASSWORD = "password is one of the most common passwords; choose another"


def normalize_email(raw: str) -> str:
    email = check_text(raw, "email").strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput("email is not a valid address")
    return email


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"password must have at most {MAX_PASSWORD_LENGTH} characters")


def check_text(raw: str, what: str) -> str:
    """Text PostgreSQL can store: no NUL character, no lone surrogate (JSON lets clients send both)."""
    if "\x00" in raw:
        raise InvalidInput(f"{what} must not contain NUL characters")
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{what} is not valid Unicode text") from None
    return raw


def clean_name(raw: str, *, what: str = "name", max_length: int = 200) -> str:
    name = " ".join(check_text(raw, what).split())
    if not name:
        raise InvalidInput(f"{what} must not be blank")
    if len(name) > max_length:
        raise InvalidInput(f"{what} must have at most {max_length} characters")
    return name


@dataclass(eq=False)
class User(Aggregate):
    email: str
    name: str
    password_hash: str
    created_at: datetime
    id: uuid.UUID = field(default_factory=new_id)
    platform_admin: bool = False
    email_verified_at: datetime | None = None

    @classmethod
    def register(cls, *, email: str, name: str, password_hash: str, now: datetime) -> User:
        user = cls(email=normalize_email(email), name=clean_name(name), password_hash=password_hash, created_at=now)
        user.record(DomainEvent.of("user.registered", None, {"user_id": str(user.id), "email": user.email}))
        return user

    def rename(self, name: str) -> None:
        self.name = clean_name(name)
        self.record(DomainEvent.of("user.renamed", None, {"user_id": str(self.id)}, actor_id=self.id))

    def change_password_hash(self, password_hash: str) -> None:
        self.password_hash = password_hash
        self.record(DomainEvent.of("user.password_changed", None, {"user_id": str(self.id)}, actor_id=self.id))

    def verify_email(self, now: datetime) -> None:
        if self.email_verified_at is None:
            self.email_verified_at = now
            self.record(DomainEvent.of("user.email_verified", None, {"user_id": str(self.id)}, actor_id=self.id))


@dataclass(eq=False)
class AccessToken:
    """A bearer token. Only its hash is stored, so a database leak yields no usable token."""

    token_hash: bytes
    user_id: uuid.UUID
    created_at: datetime
    expires_at: datetime
    id: uuid.UUID = field(default_factory=new_id)
    revoked_at: datetime | None = None

    def is_valid(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = now
