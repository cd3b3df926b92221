from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid

from domain.account_tokens import TokenPurpose
from domain.errors import InvalidToken


class HmacInvitationTokenCodec:
    """<org id><invitation id> (32 bytes) + HMAC-SHA256 truncated to 16 bytes, base64url.

    Expiry and single use are checked against the stored invitation; the signature only proves
    the ids were issued by us, so nobody can guess a token for an invitation they were not sent.
    It is pure computation, so it serves as its own in-memory twin.
    """

    def __init__(self, secret_key: str) -> None:
        self._key = hashlib.sha256(b"invitation:" + secret_key.encode()).digest()

    def _sign(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:16]

    def encode(self, organization_id: uuid.UUID, invitation_id: uuid.UUID) -> str:
        body = organization_id.bytes + invitation_id.bytes
        return base64.urlsafe_b64encode(body + self._sign(body)).decode().rstrip("=")

    def decode(self, token: str) -> tuple[uuid.UUID, uuid.UUID]:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError) as exc:
            raise InvalidToken("the invitation token is malformed") from exc
        if len(raw) != 48:
            raise InvalidToken("the invitation token is malformed")
        body, signature = raw[:32], raw[32:]
        if not hmac.compare_digest(signature, self._sign(body)):
            raise InvalidToken("the invitation token is not valid")
        return uuid.UUID(bytes=body[:16]), uuid.UUID(bytes=body[16:])


class HmacAccountTokenCodec:
    """<token id> (16 bytes) + HMAC-SHA256(purpose ‖ id) truncated to 16 bytes, base64url.

    Deterministic, so the email job rebuilds the link from the id alone; the key is derived apart from the
    invitation key, and the purpose is signed, so a verification token never works as a reset token.
    Pure computation: its own in-memory twin.
    """

    def __init__(self, secret_key: str) -> None:
        self._key = hashlib.sha256(b"account-token:" + secret_key.encode()).digest()

    def _sign(self, purpose: str, body: bytes) -> bytes:
        return hmac.new(self._key, purpose.encode() + b"\x00" + body, hashlib.sha256).digest()[:16]

    def encode(self, purpose: TokenPurpose, token_id: uuid.UUID) -> str:
        body = token_id.bytes
        return base64.urlsafe_b64encode(body + self._sign(purpose.value, body)).decode().rstrip("=")

    def decode(self, purpose: TokenPurpose, token: str) -> uuid.UUID:
        if len(token) > 64:
            raise InvalidToken("the token is malformed")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError) as exc:
            raise InvalidToken("the token is malformed") from exc
        if len(raw) != 32:
            raise InvalidToken("the token is malformed")
        body, signature = raw[:16], raw[16:]
        if not hmac.compare_digest(signature, self._sign(purpose.value, body)):
            raise InvalidToken("the token is not valid")
        return uuid.UUID(bytes=body)
