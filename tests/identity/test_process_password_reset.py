"""Password reset and email verification end to end on real services: HTTP -> outbox -> relay -> Redis
Streams -> worker -> the SMTP test server (aiosmtpd) -> the link in the email -> HTTP."""

from __future__ import annotations

import logging

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from entrypoints.app import create_app
from entrypoints.jobs import JobRunner
from entrypoints.settings import Settings, asyncpg_url
from tests.fixtures.accounts import RESET_SUBJECT, VERIFY_SUBJECT, mails, tampered, token_in
from tests.fixtures.api import register
from tests.fixtures.jobs import SmtpSink, eventually

OLD_PASSWORD = "correct horse battery"  # what tests.fixtures.api.register signs up with
NEW_PASSWORD = "a brand new passphrase"


async def expire_reset_tokens_of(database_url: str, user_id: str) -> None:
    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        await conn.execute(
            "UPDATE account_tokens SET expires_at = now() - interval '1 second' "
            "WHERE user_id = $1::uuid AND purpose = 'password_reset'",
            user_id,
        )
    finally:
        await conn.close()


async def test_a_reset_link_works_once_for_its_owner_only_and_ends_every_session(
    job_settings: Settings, smtp_sink: tuple[SmtpSink, int], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sink, _ = smtp_sink
    async with AsyncTestClient(app=create_app(job_settings)) as client:
        ada = await register(client, "Ada Reset")
        bob = await register(client, "Bob Bystander")
        unknown = "nobody-at-all@example.com"
        for email in (ada.email, bob.email, unknown, "not an address"):
            answer = await client.post("/api/auth/password-reset", json={"email": email})
            assert answer.status_code == 202, answer.text  # the same answer whatever the address
        async with JobRunner(job_settings).running():
            await eventually(
                lambda: (
                    len(mails(sink, ada.email, RESET_SUBJECT)) == 1 and len(mails(sink, bob.email, RESET_SUBJECT)) == 1
                ),
                what="the reset emails",
            )
        assert sink.to(unknown) == []
        ada_token = token_in(mails(sink, ada.email, RESET_SUBJECT)[0])
        bob_token = token_in(mails(sink, bob.email, RESET_SUBJECT)[0])
        verification_token = token_in(mails(sink, ada.email, VERIFY_SUBJECT)[0])

        confirm = "/api/auth/password-reset/confirm"
        for forged in (tampered(ada_token), verification_token, "x" * 43, ""):
            answer = await client.post(confirm, json={"token": forged, "password": NEW_PASSWORD})
            assert answer.status_code == 400, (forged, answer.text)
        weak = await client.post(confirm, json={"token": ada_token, "password": "password1"})
        assert weak.status_code == 422 and "common" in weak.json()["detail"]  # and the link still works:

        assert (await client.post(confirm, json={"token": ada_token, "password": NEW_PASSWORD})).status_code == 204
        assert (await client.get("/api/me", headers=ada.headers)).status_code == 401  # every session ended
        again = await client.post(confirm, json={"token": ada_token, "password": "yet another passphrase"})
        assert again.status_code == 400 and "used" in again.json()["detail"]
        login = "/api/auth/login"
        assert (await client.post(login, json={"email": ada.email, "password": OLD_PASSWORD})).status_code == 401
        assert (await client.post(login, json={"email": ada.email, "password": NEW_PASSWORD})).status_code == 200

        # Ada's link changed nothing of Bob's; Bob's own link, expired, is refused.
        assert (await client.get("/api/me", headers=bob.headers)).status_code == 200
        await expire_reset_tokens_of(job_settings.database_url, bob.id)
        expired = await client.post(confirm, json={"token": bob_token, "password": NEW_PASSWORD})
        assert expired.status_code == 400 and "expired" in expired.json()["detail"]
        assert (await client.post(login, json={"email": bob.email, "password": OLD_PASSWORD})).status_code == 200

    # No log line of the product carries a token (the SMTP test server's own log prints whole messages).
    product_lines = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]
    assert len(product_lines) > 10
    for token in (ada_token, bob_token, verification_token):
        assert not [line for line in product_lines if token in line]


async def test_sign_up_sends_a_verification_link_that_verifies_the_address(
    job_settings: Settings, smtp_sink: tuple[SmtpSink, int]
) -> None:
    sink, _ = smtp_sink
    async with AsyncTestClient(app=create_app(job_settings)) as client:
        ada = await register(client, "Ada Verify")
        assert (await client.get("/api/me", headers=ada.headers)).json()["email_verified"] is False
        async with JobRunner(job_settings).running():
            await eventually(lambda: len(mails(sink, ada.email, VERIFY_SUBJECT)) == 1, what="the verification email")
            resend = await client.post("/api/auth/verify-email/resend", headers=ada.headers)
            assert resend.status_code == 202
            await eventually(lambda: len(mails(sink, ada.email, VERIFY_SUBJECT)) == 2, what="the second email")
        first, second = (token_in(m) for m in mails(sink, ada.email, VERIFY_SUBJECT))
        verify = "/api/auth/verify-email/confirm"
        # The resend replaced the first link; only the newest one verifies.
        assert (await client.post(verify, json={"token": first})).status_code == 400
        assert (await client.post(verify, json={"token": tampered(second)})).status_code == 400
        assert (await client.post(verify, json={"token": second})).status_code == 204
        assert (await client.get("/api/me", headers=ada.headers)).json()["email_verified"] is True
        assert (await client.post(verify, json={"token": second})).status_code == 400
        assert (await client.post("/api/auth/verify-email/resend", headers=ada.headers)).status_code == 202
        assert (await client.post("/api/auth/verify-email/resend")).status_code == 401
