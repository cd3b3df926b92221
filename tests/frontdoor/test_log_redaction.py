"""No secret, token or ticket code in any log line: a dev server at DEBUG (every library's chatter included) runs
the flows that handle them, then everything it printed is searched for each one."""

from __future__ import annotations

import asyncio
import re
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
from scripts import services as support
from websockets.asyncio.client import connect

from adapters.observability.log_redaction import REDACTED, redact_secrets, redact_text
from entrypoints.settings import DEFAULT_SECRET
from tests.frontdoor.dev_process import call, running_dev

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery staple 42"
WEBHOOK_SECRET = "whsec_log_redaction_test_0123456789"


def _register(base: str, email: str, name: str) -> str:
    status, body, _ = call(base, "POST", "/api/auth/register", {"email": email, "password": PASSWORD, "name": name})
    assert status == 201, body
    status, body, _ = call(base, "POST", "/api/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, body
    return str(body["access_token"])


def _log_in(base: str, email: str) -> str:
    """A new session (a password reset ends the others)."""
    status, body, _ = call(base, "POST", "/api/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, body
    return str(body["access_token"])


def _wait_for_mail(mail_dir: Path, *needles: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(mail_dir.glob("*.txt")) if mail_dir.exists() else []:
            text = path.read_text(encoding="utf-8")
            if all(needle in text for needle in needles):
                return text
        time.sleep(0.2)
    raise AssertionError(f"no email containing {needles!r} in {mail_dir}")


def _account_token(mail: str) -> str:
    [token] = re.findall(r"#token=([A-Za-z0-9_%-]+)", mail)
    return urllib.parse.unquote(token)


def test_a_whole_run_logs_no_password_token_secret_or_ticket_code(
    admin_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    url = support.in_thread(support.create_database, admin_database_url, "chapterhouse_logs")
    data_dir = tmp_path_factory.mktemp("logs")
    secrets: dict[str, str] = {"password": PASSWORD, "secret key": DEFAULT_SECRET, "webhook secret": WEBHOOK_SECRET}
    try:
        with running_dev(
            url, data_dir, {"LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json", "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET}
        ) as (base, _, output):
            suffix = uuid.uuid4().hex[:8]
            owner = _register(base, f"owner-{suffix}@example.com", "Owner")
            secrets["owner token"] = owner
            status, org, _ = call(base, "POST", "/api/orgs", {"name": "Logs", "slug": f"logs-{suffix}"}, owner)
            assert status == 201, org
            orgs = f"/api/orgs/{org['id']}"

            # Invitation: the token travels by email (saved to a file in dev) and in the accept path.
            invitee_email = f"invitee-{suffix}@example.com"
            invitee = _register(base, invitee_email, "Invitee")
            secrets["invitee token"] = invitee
            status, _, _ = call(base, "POST", f"{orgs}/invitations", {"email": invitee_email}, owner)
            assert status == 201
            mail = _wait_for_mail(data_dir / "mail", invitee_email, "invited you")
            [invitation_token] = re.findall(r"/invitations/([A-Za-z0-9_-]{40,})", mail) or re.findall(
                r"token=([A-Za-z0-9_-]{40,})", mail
            )
            secrets["invitation token"] = invitation_token
            status, accepted, _ = call(base, "POST", f"/api/invitations/{invitation_token}/accept", token=invitee)
            assert status == 200, accepted

            # Account links: the sign-up verification and a password reset, each redeemed once.
            owner_email = f"owner-{suffix}@example.com"
            verification = _account_token(_wait_for_mail(data_dir / "mail", owner_email, "Confirm your email"))
            secrets["email verification token"] = verification
            status, body, _ = call(base, "POST", "/api/auth/verify-email/confirm", {"token": verification})
            assert status == 204, body
            status, body, _ = call(base, "POST", "/api/auth/password-reset", {"email": invitee_email})
            assert status == 202, body
            reset = _account_token(_wait_for_mail(data_dir / "mail", invitee_email, "Reset your Chapterhouse"))
            secrets["password reset token"] = reset
            status, body, _ = call(
                base, "POST", "/api/auth/password-reset/confirm", {"token": reset, "password": PASSWORD}
            )
            assert status == 204, body
            invitee = _log_in(base, invitee_email)
            secrets["invitee token after the reset"] = invitee

            # Tickets: free ones (codes in the answer and the confirmation email), a check-in, a paid one.
            starts = "2031-05-01T18:00:00+02:00"
            event_body = {"title": "Logs night", "starts_at": starts, "ends_at": "2031-05-01T21:00:00+02:00"}
            event_body["visibility"] = "public"  # a buyer who is not a member orders on the public side too
            status, event, _ = call(base, "POST", f"{orgs}/events", event_body | {"timezone": "Europe/Paris"}, owner)
            assert status == 201, event
            types = f"{orgs}/events/{event['id']}/ticket-types"
            _, free, _ = call(
                base, "POST", types, {"name": "Free", "price_cents": 0, "currency": "EUR", "quantity": 9}, owner
            )
            _, paid, _ = call(
                base, "POST", types, {"name": "Paid", "price_cents": 900, "currency": "EUR", "quantity": 9}, owner
            )
            assert call(base, "POST", f"{orgs}/events/{event['id']}/publish", token=owner)[0] == 200
            orders = f"{orgs}/events/{event['id']}/orders"
            status, order, _ = call(
                base, "POST", orders, {"items": [{"ticket_type_id": free["id"], "quantity": 2}]}, invitee
            )
            assert status == 201, order
            for number, ticket in enumerate(order["tickets"]):
                secrets[f"ticket code {number}"] = ticket["code"]
            code = order["tickets"][0]["code"]
            assert call(base, "POST", f"{orgs}/events/{event['id']}/check-ins", {"ticket_code": code}, owner)[0] == 200
            call(base, "POST", f"{orgs}/events/{event['id']}/check-ins", {"ticket_code": code + "x"}, owner)
            status, paid_order, _ = call(
                base, "POST", orders, {"items": [{"ticket_type_id": paid["id"], "quantity": 1}]}, invitee
            )
            assert status == 201, paid_order
            secrets["client secret"] = paid_order["payment"]["client_secret"]
            buyer = _register(base, f"buyer-{suffix}@example.com", "Buyer")
            secrets["buyer token"] = buyer
            public_orders = f"/api/public/orgs/{org['slug']}/events/{event['id']}/orders"
            status, bought, _ = call(
                base, "POST", public_orders, {"items": [{"ticket_type_id": free["id"], "quantity": 1}]}, buyer
            )
            assert status == 201, bought
            secrets["public ticket code"] = bought["tickets"][0]["code"]
            status, mine, _ = call(base, "GET", f"/api/me/orders/{bought['id']}", token=buyer)
            assert status == 200 and mine["tickets"][0]["code"] == bought["tickets"][0]["code"], mine
            _wait_for_mail(data_dir / "mail", "Logs night")

            # Password-like fields where they do not belong, and a socket opened with its token in the query.
            call(base, "POST", "/api/auth/login", {"email": invitee_email, "password": PASSWORD + "-wrong"})
            secrets["wrong password"] = PASSWORD + "-wrong"

            async def open_socket() -> None:
                ws_url = base.replace("http", "ws") + "/ws?" + urllib.parse.urlencode({"token": invitee})
                async with connect(ws_url, open_timeout=10) as socket:
                    await socket.send('{"type": "ping"}')
                    await asyncio.wait_for(socket.recv(), timeout=10)

            asyncio.run(open_socket())
            time.sleep(1.5)  # the relay and its jobs log after the requests
        logged = output.read_text()
    finally:
        support.in_thread(support.drop_database, url)

    assert '"path": "/api/invitations/' in logged  # the run really was logged
    leaked = {name for name, value in secrets.items() if value in logged}
    assert not leaked, f"logged in clear: {sorted(leaked)}"


def test_redaction_keeps_identifiers_readable() -> None:
    request_id, ids = uuid.uuid4().hex, str(uuid.uuid4())
    text = f"order {ids} request {request_id} task chapterhouse.orders.expire_pending_now StaticEvaluationUnavailable"
    assert redact_text(text) == text
    event = {"event": "x", "password": "hunter2", "headers": {"Authorization": "Bearer abc"}, "count": 3}
    redacted = redact_secrets(None, "info", event)
    assert redacted["password"] == REDACTED and redacted["headers"]["Authorization"] == REDACTED
    assert redacted["count"] == 3
    assert redact_text("code 'q3ZbV1x-kQf8sLr2TzAa9w' and pi_3Ab_secret_Xy9") == f"code '{REDACTED}' and {REDACTED}"
