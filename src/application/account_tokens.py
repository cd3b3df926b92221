"""Shared steps of the account use cases: the password policy, issuing and redeeming one-time tokens."""

from __future__ import annotations

import hashlib

from application.ports.accounts import AccountsUnitOfWork, AccountTokenCodec, CommonPasswords
from application.ports.clock import Clock
from domain.account_tokens import AccountToken, TokenPurpose
from domain.errors import InvalidInput, InvalidToken
from domain.events import DomainEvent
from domain.identity import COMMON_PASSWORD, User, check_password_strength

REQUESTED_EVENTS = {
    TokenPurpose.PASSWORD_RESET: "user.password_reset_requested",
    TokenPurpose.EMAIL_VERIFICATION: "user.email_verification_requested",
}


def check_password(password: str, common: CommonPasswords) -> None:
    """The policy: a length range and not one of the most common passwords."""
    check_password_strength(password)
    if common.is_common(password):
        raise InvalidInput(COMMON_PASSWORD)


def account_token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def issue_account_token(
    uow: AccountsUnitOfWork, codec: AccountTokenCodec, clock: Clock, user: User, purpose: TokenPurpose
) -> None:
    """A new link replaces the open ones of the same kind; its email goes out through the outbox."""
    now = clock.now()
    for older in await uow.account_tokens.open_for_user(user.id, purpose, now):
        older.retire(now)
    token = AccountToken.issue(user_id=user.id, purpose=purpose, now=now)
    token.token_hash = account_token_hash(codec.encode(purpose, token.id))
    await uow.account_tokens.add(token)
    uow.record(DomainEvent.of(REQUESTED_EVENTS[purpose], None, {"user_id": str(user.id), "token_id": str(token.id)}))


async def redeem_account_token(
    uow: AccountsUnitOfWork, codec: AccountTokenCodec, clock: Clock, purpose: TokenPurpose, token: str
) -> User:
    token_id = codec.decode(purpose, token)
    stored = await uow.account_tokens.get_for_update(token_id)
    if stored is None:
        raise InvalidToken("the token is not valid")
    stored.redeem(purpose=purpose, token_hash=account_token_hash(token), now=clock.now())
    user = await uow.users.get(stored.user_id)
    if user is None:
        raise InvalidToken("the token is not valid")
    return user
