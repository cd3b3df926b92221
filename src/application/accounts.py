"""The account's own side: profile, password change, password reset by email, email verification.

Reset and verification links carry a signed one-time token; the database keeps its hash, the outbox only its
id (the email job signs the id again), so no token is ever stored, queued or logged in clear.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from application.account_tokens import REQUESTED_EVENTS, check_password, issue_account_token, redeem_account_token
from application.communications import PublicLinks
from application.identity import hash_token
from application.ports.accounts import AccountsUnitOfWorkFactory, AccountTokenCodec, CommonPasswords
from application.ports.clock import Clock
from application.ports.email import EmailComposer, EmailSender
from application.ports.jobs import OutboxEvent
from application.ports.security import PasswordHasher
from domain.account_tokens import TokenPurpose
from domain.errors import InvalidInput, NotFound
from domain.identity import normalize_email

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UpdateProfileCommand:
    user_id: uuid.UUID
    name: str


class UpdateProfile:
    def __init__(self, uow: AccountsUnitOfWorkFactory) -> None:
        self._uow = uow

    async def execute(self, command: UpdateProfileCommand) -> None:
        async with self._uow(user_id=command.user_id) as uow:
            user = await uow.users.get(command.user_id)
            if user is None:
                raise NotFound("user not found")
            user.rename(command.name)
            uow.collect(user)
            await uow.commit()


@dataclass(frozen=True)
class ChangePasswordCommand:
    user_id: uuid.UUID
    current_token: str
    current_password: str
    new_password: str


class ChangePassword:
    """Every other session of the user ends (their sockets close at the next token check); this one stays."""

    def __init__(
        self, uow: AccountsUnitOfWorkFactory, hasher: PasswordHasher, common: CommonPasswords, clock: Clock
    ) -> None:
        self._uow, self._hasher, self._common, self._clock = uow, hasher, common, clock

    async def execute(self, command: ChangePasswordCommand) -> None:
        async with self._uow(user_id=command.user_id) as uow:
            user = await uow.users.get(command.user_id)
            if user is None:
                raise NotFound("user not found")
            if not self._hasher.verify(user.password_hash, command.current_password):
                raise InvalidInput("current_password is wrong")
            check_password(command.new_password, self._common)
            user.change_password_hash(self._hasher.hash(command.new_password))
            await uow.access_tokens.revoke_all_for_user(user.id, keep=hash_token(command.current_token))
            now = self._clock.now()
            for reset in await uow.account_tokens.open_for_user(user.id, TokenPurpose.PASSWORD_RESET, now):
                reset.retire(now)
            uow.collect(user)
            await uow.commit()


class RequestPasswordReset:
    """Answers the same whether the address has an account or not: nothing tells an enumerator which."""

    def __init__(self, uow: AccountsUnitOfWorkFactory, codec: AccountTokenCodec, clock: Clock) -> None:
        self._uow, self._codec, self._clock = uow, codec, clock

    async def execute(self, email: str) -> None:
        try:
            address = normalize_email(email)
        except InvalidInput:
            return
        async with self._uow() as uow:
            user = await uow.users.get_by_email(address)
            if user is None:
                return
            await issue_account_token(uow, self._codec, self._clock, user, TokenPurpose.PASSWORD_RESET)
            await uow.commit()


@dataclass(frozen=True)
class ConfirmPasswordResetCommand:
    token: str
    password: str


class ConfirmPasswordReset:
    """Sets the new password and ends every session of the user. Receiving the link also proves the address."""

    def __init__(
        self,
        uow: AccountsUnitOfWorkFactory,
        codec: AccountTokenCodec,
        hasher: PasswordHasher,
        common: CommonPasswords,
        clock: Clock,
    ) -> None:
        self._uow, self._codec, self._hasher, self._common, self._clock = uow, codec, hasher, common, clock

    async def execute(self, command: ConfirmPasswordResetCommand) -> None:
        check_password(command.password, self._common)  # before redeeming: a refused password keeps the link
        async with self._uow() as uow:
            user = await redeem_account_token(uow, self._codec, self._clock, TokenPurpose.PASSWORD_RESET, command.token)
            user.change_password_hash(self._hasher.hash(command.password))
            user.verify_email(self._clock.now())
            await uow.access_tokens.revoke_all_for_user(user.id)
            uow.collect(user)
            await uow.commit()


class ConfirmEmailVerification:
    def __init__(self, uow: AccountsUnitOfWorkFactory, codec: AccountTokenCodec, clock: Clock) -> None:
        self._uow, self._codec, self._clock = uow, codec, clock

    async def execute(self, token: str) -> None:
        async with self._uow() as uow:
            user = await redeem_account_token(uow, self._codec, self._clock, TokenPurpose.EMAIL_VERIFICATION, token)
            user.verify_email(self._clock.now())
            uow.collect(user)
            await uow.commit()


class ResendEmailVerification:
    """A new link for a caller whose address is not verified yet; nothing to do once it is."""

    def __init__(self, uow: AccountsUnitOfWorkFactory, codec: AccountTokenCodec, clock: Clock) -> None:
        self._uow, self._codec, self._clock = uow, codec, clock

    async def execute(self, user_id: uuid.UUID) -> None:
        async with self._uow(user_id=user_id) as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise NotFound("user not found")
            if user.email_verified_at is not None:
                return
            await issue_account_token(uow, self._codec, self._clock, user, TokenPurpose.EMAIL_VERIFICATION)
            await uow.commit()


class SendAccountEmail:
    """On a reset or verification request: email the link, rebuilt from the token id (never logged)."""

    name = "email.account_link"
    event_names = frozenset(REQUESTED_EVENTS.values())
    claims_in_transaction = False

    def __init__(
        self,
        uow: AccountsUnitOfWorkFactory,
        codec: AccountTokenCodec,
        composer: EmailComposer,
        sender: EmailSender,
        links: PublicLinks,
        clock: Clock,
    ) -> None:
        self._uow, self._codec, self._composer, self._sender = uow, codec, composer, sender
        self._links, self._clock = links, clock

    async def handle(self, event: OutboxEvent) -> None:
        token_id = uuid.UUID(str(event.payload["token_id"]))
        async with self._uow() as uow:
            stored = await uow.account_tokens.get_for_update(token_id)
            user = await uow.users.get(stored.user_id) if stored is not None else None
        if stored is None or user is None or stored.used_at is not None or stored.expires_at <= self._clock.now():
            logger.info("account token %s is no longer open; no email", token_id)
            return
        token = self._codec.encode(stored.purpose, stored.id)
        if stored.purpose is TokenPurpose.PASSWORD_RESET:
            message = self._composer.password_reset(
                to=user.email, name=user.name, url=self._links.password_reset(token)
            )
        else:
            url = self._links.email_verification(token)
            message = self._composer.email_verification(to=user.email, name=user.name, url=url)
        await self._sender.send(message)
