"""Announcements on PostgreSQL and Redis: a chapter's announcement reaches that chapter's members only."""

from __future__ import annotations

import uuid

from litestar.testing import AsyncTestClient

from entrypoints.app import create_app
from entrypoints.jobs import JobRunner
from entrypoints.settings import Settings
from tests.fixtures.api import ApiUser, register
from tests.fixtures.jobs import SmtpSink, eventually
from tests.fixtures.ticketing import add_member


async def chapter(owner: ApiUser, org_id: str, name: str) -> str:
    response = await owner.client.post(
        f"/api/orgs/{org_id}/chapters", json={"name": name, "slug": name.lower()}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def join(user: ApiUser, org_id: str, chapter_id: str) -> None:
    url = f"/api/orgs/{org_id}/chapters/{chapter_id}/members"
    response = await user.client.post(url, json={}, headers=user.headers)
    assert response.status_code == 201, response.text


async def notification_titles(user: ApiUser) -> list[str]:
    response = await user.client.get("/api/me/notifications", headers=user.headers)
    assert response.status_code == 200, response.text
    return [item["title"] for item in response.json()["items"]]


async def test_a_chapter_announcement_reaches_that_chapter_only(
    job_settings: Settings, smtp_sink: tuple[SmtpSink, int]
) -> None:
    sink, _ = smtp_sink
    subject = f"Picnic on Sunday {uuid.uuid4().hex[:6]}"
    async with AsyncTestClient(app=create_app(job_settings)) as client:
        owner = await register(client)
        org = await owner.create_org("Walkers")
        north, south = await chapter(owner, org["id"], "North"), await chapter(owner, org["id"], "South")
        north_members = [await add_member(owner, org["id"]) for _ in range(2)]
        south_member = await add_member(owner, org["id"])
        bystander = await add_member(owner, org["id"])  # in the organization, in no chapter
        for member in north_members:
            await join(member, org["id"], north)
        await join(south_member, org["id"], south)
        south_lead = await add_member(owner, org["id"])
        made_lead = await client.post(
            f"/api/orgs/{org['id']}/chapters/{south}/members",
            json={"user_id": south_lead.id, "role": "lead"},
            headers=owner.headers,
        )
        assert made_lead.status_code == 201, made_lead.text
        # Another organization with a chapter of the same name and a member in it.
        outsider = await register(client)
        other_org = await outsider.create_org("Other walkers")
        await join(outsider, other_org["id"], await chapter(outsider, other_org["id"], "North"))

        url = f"/api/orgs/{org['id']}/announcements"
        body = {"audience": "chapter", "target_id": north, "subject": subject, "body": "Bring bread.\n\nSee you!"}
        # Neither a plain member nor another chapter's lead may announce to North; the lead may to South.
        assert (await client.post(url, json=body, headers=north_members[0].headers)).status_code == 403
        assert (await client.post(url, json=body, headers=south_lead.headers)).status_code == 403
        org_wide = {"audience": "org", "subject": "x", "body": "y"}
        assert (await client.post(url, json=org_wide, headers=south_lead.headers)).status_code == 403
        # Another organization's chapter id is not found, even for the owner.
        foreign = {**body, "target_id": str(uuid.uuid4())}
        assert (await client.post(url, json=foreign, headers=owner.headers)).status_code == 404

        response = await client.post(url, json=body, headers=owner.headers)
        assert response.status_code == 202, response.text

        async with JobRunner(job_settings).running():
            await eventually(lambda: all(sink.to(m.email) for m in north_members), what="the announcement emails")
            await eventually(lambda: _has(notification_titles(north_members[1]), subject), what="the notification")

        received = {rcpt for rcpts, message in sink.messages if subject in str(message["Subject"]) for rcpt in rcpts}
        assert received == {m.email for m in north_members}
        [message] = [m for m in sink.to(north_members[0].email) if subject in str(m["Subject"])]
        assert message["Subject"] == f"[Walkers] {subject}"
        assert "Bring bread." in message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        for member in north_members:
            assert (await notification_titles(member)).count(subject) == 1
        for nobody in (south_member, bystander, south_lead, owner, outsider):
            assert subject not in await notification_titles(nobody)


async def _has(titles: object, subject: str) -> bool:
    return subject in await titles  # type: ignore[operator]
