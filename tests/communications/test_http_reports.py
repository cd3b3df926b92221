"""Reports on the in-memory wiring: request (202), the job writes the CSV, admins download it."""

from __future__ import annotations

import csv
import io
import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.fixtures.api import register
from tests.fixtures.jobs import run_outbox


async def test_members_report_lists_every_member_and_only_admins_download_it(
    memory_client: AsyncTestClient[Litestar],
) -> None:
    admin = await register(memory_client, name="Ada Admin")
    org = await admin.create_org()
    response = await memory_client.post(
        f"/api/orgs/{org['id']}/reports", json={"kind": "members"}, headers=admin.headers
    )
    assert response.status_code == 202, response.text
    report_id = response.json()["report_id"]
    status = await memory_client.get(f"/api/orgs/{org['id']}/reports/{report_id}", headers=admin.headers)
    assert status.json()["status"] == "pending" and status.json()["download_url"] is None

    await run_outbox(memory_client.app)

    status = await memory_client.get(f"/api/orgs/{org['id']}/reports/{report_id}", headers=admin.headers)
    assert status.json()["status"] == "ready", status.text
    assert status.json()["row_count"] == 1
    download = await memory_client.get(status.json()["download_url"], headers=admin.headers)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["user_id", "name", "email", "role", "joined_at"]
    assert rows[1][:4] == [admin.id, "Ada Admin", admin.email, "owner"]


async def test_an_attendees_report_needs_an_existing_event(memory_client: AsyncTestClient[Litestar]) -> None:
    admin = await register(memory_client)
    org = await admin.create_org()
    url = f"/api/orgs/{org['id']}/reports"
    missing_event = await memory_client.post(url, json={"kind": "attendees"}, headers=admin.headers)
    unknown_event = await memory_client.post(
        url, json={"kind": "attendees", "event_id": str(uuid.uuid4())}, headers=admin.headers
    )
    bad_kind = await memory_client.post(url, json={"kind": "everything"}, headers=admin.headers)
    assert (missing_event.status_code, unknown_event.status_code, bad_kind.status_code) == (422, 404, 400)
