"""Reports on PostgreSQL and Redis: the worker writes the CSV to disk; only this organization's admins fetch it."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

from litestar.testing import AsyncTestClient

from entrypoints.app import create_app
from entrypoints.jobs import JobRunner
from entrypoints.settings import Settings
from tests.fixtures.api import register
from tests.fixtures.jobs import eventually
from tests.fixtures.ticketing import add_member, create_event, create_ticket_type, order


async def test_members_and_attendees_reports(job_settings: Settings, tmp_path: Path) -> None:
    settings = dataclasses.replace(job_settings, data_dir=tmp_path)
    async with AsyncTestClient(app=create_app(settings)) as client:
        owner = await register(client, name="Olive Owner")
        org = await owner.create_org()
        admin = await add_member(owner, org["id"], role="admin")
        member = await add_member(owner, org["id"], role="member")
        event = await create_event(owner, org["id"])
        ticket_type = await create_ticket_type(owner, org["id"], event["id"])
        assert (await order(member, org["id"], event["id"], (ticket_type["id"], 2))).status_code == 201
        outsider = await register(client)
        other_org = await outsider.create_org()

        url = f"/api/orgs/{org['id']}/reports"
        members = await client.post(url, json={"kind": "members"}, headers=admin.headers)
        attendees = await client.post(url, json={"kind": "attendees", "event_id": event["id"]}, headers=admin.headers)
        assert (members.status_code, attendees.status_code) == (202, 202), attendees.text
        # A plain member may not export the organization's addresses.
        forbidden = await client.post(url, json={"kind": "members"}, headers=member.headers)
        assert forbidden.status_code == 403

        async def ready(report_id: str) -> bool:
            response = await client.get(f"{url}/{report_id}", headers=admin.headers)
            return bool(response.json()["status"] == "ready")

        async with JobRunner(settings).running():
            for accepted in (members, attendees):
                await eventually(lambda r=accepted: ready(r.json()["report_id"]), what="the report")

        status = (await client.get(f"{url}/{members.json()['report_id']}", headers=admin.headers)).json()
        assert status["row_count"] == 3
        download = await client.get(status["download_url"], headers=admin.headers)
        assert download.status_code == 200
        rows = list(csv.DictReader(io.StringIO(download.text)))
        assert sorted(r["email"] for r in rows) == sorted([owner.email, admin.email, member.email])
        assert {r["email"]: r["role"] for r in rows}[admin.email] == "admin"

        status = (await client.get(f"{url}/{attendees.json()['report_id']}", headers=admin.headers)).json()
        download = await client.get(status["download_url"], headers=admin.headers)
        rows = list(csv.DictReader(io.StringIO(download.text)))
        assert [r["holder_email"] for r in rows] == [member.email, member.email]
        assert all(r["code"] for r in rows)

        # Only this organization's admins: a member gets 403; another organization's admin 404, in both
        # their own organization's path and this one's.
        assert (await client.get(status["download_url"], headers=member.headers)).status_code == 403
        assert (await client.get(status["download_url"], headers=outsider.headers)).status_code == 404
        foreign = f"/api/orgs/{other_org['id']}/reports/{attendees.json()['report_id']}"
        assert (await client.get(foreign, headers=outsider.headers)).status_code == 404
        assert (await client.get(f"{foreign}/download", headers=outsider.headers)).status_code == 404
        assert (await client.get(status["download_url"])).status_code == 401
