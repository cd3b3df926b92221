"""Use cases of accounts and sessions: register, log in, log out, who am I."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from application.account_tokens import check_password, issue_account_token
from application.ports.accounts import AccountsUnitOfWorkFactory, AccountTokenCodec, CommonPasswords
from application.ports.clock import Clock
from application.ports.persistence import UnitOfWorkFactory
from application.ports.queries import UserQueries, UserView
from application.ports.security import PasswordHasher
from domain.account_tokens import TokenPurpose
from domain.errors import AuthenticationFailed, InvalidInput, NotFound
from domain.identity import AccessToken, User, normalize_email
from domain.permissions import Principal

ACCESS_TOKEN_TTL = timedelta(hours=12)


def hash_token(token: str) -> bytes:
    """Bearer tokens are 256 random bits, so a fast hash is enough (no salt or stretching needed)."""
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True)
class RegisterUserCommand:
    email: str
    password: str
    name: str


@dataclass(frozen=True)
class RegisteredUser:
    id: uuid.UUID
    email: str
    name: str
    created_at: datetime


class RegisterUser:
    """The new account's address is confirmed by a link sent through the outbox (email_verified until then false)."""

    def __init__(
        self,
        uow: AccountsUnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        codec: AccountTokenCodec,
        common: CommonPasswords,
    ) -> None:
        self._uow, self._hasher, self._clock = uow, hasher, clock
        self._codec, self._common = codec, common

    async def execute(self, command: RegisterUserCommand) -> RegisteredUser:
        check_password(command.password, self._common)
        user = User.register(
            email=command.email,
            name=command.name,
            password_hash=self._hasher.hash(command.password),
            now=self._clock.now(),
        )
        async with self._uow() as uow:
            await uow.users.add(user)  # Conflict when the email is taken
            uow.collect(user)
            await issue_account_token(uow, self._codec, self._clock, user, TokenPurpose.EMAIL_VERIFICATION)
            await uow.commit()
        return RegisteredUser(id=user.id, email=user.email, name=user.name, created_at=user.created_at)


@dataclass(frozen=True)
class LogInCommand:
    email: str
    password: str


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int


class LogIn:
    # Verified against when the email is unknown, so both failures take about the same time.
    _dummy_hash: str | None = None

    def __init__(self, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow, self._hasher, self._clock = uow, hasher, clock

    async def execute(self, command: LogInCommand) -> IssuedToken:
        try:
            email = normalize_email(command.email)
        except InvalidInput:
            email = ""
        now = self._clock.now()
        async with self._uow() as uow:
            user = await uow.users.get_by_email(email) if email else None
            if user is None:
                if LogIn._dummy_hash is None:
                    LogIn._dummy_hash = self._hasher.hash("not-a-password")
                self._hasher.verify(LogIn._dummy_hash, command.password)
                raise AuthenticationFailed("email or password is wrong")
            if not self._hasher.verify(user.password_hash, command.password):
                raise AuthenticationFailed("email or password is wrong")
            if self._hasher.needs_rehash(user.password_hash):
                user.password_hash = self._hasher.hash(command.password)
            token = secrets.token_urlsafe(32)
            await uow.access_tokens.add(
                AccessToken(
                    token_hash=hash_token(token),
                    user_id=user.id,
                    created_at=now,
                    expires_at=now + ACCESS_TOKEN_TTL,
                )
            )
            await uow.commit()
        return IssuedToken(access_token=token, expires_in=int(ACCESS_TOKEN_TTL.total_seconds()))


class LogOut:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def execute(self, token: str) -> None:
        async with self._uow() as uow:
            stored = await uow.access_tokens.get_by_hash(hash_token(token))
            if stored is not None:
                stored.revoke(self._clock.now())
                await uow.commit()


class GetMe:
    def __init__(self, queries: UserQueries) -> None:
        self._queries = queries

    async def execute(self, principal: Principal) -> UserView:
        me = await self._queries.me(principal.user_id)
        if me is None:
            raise NotFound("user not found")
        return me
