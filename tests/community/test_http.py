"""End to end on real PostgreSQL: chapters, teams, members, chapter leads and the audit log."""

from __future__ import annotations

from tests.fixtures.api import register, unique
from tests.fixtures.ticketing import add_member, create_event, create_ticket_type, future, order


async def create_chapter(owner, org_id: str, **fields) -> dict:
    body = {"name": "Paris", "slug": unique("ch-"), "city": "Paris", "timezone": "Europe/Paris", **fields}
    response = await owner.client.post(f"/api/orgs/{org_id}/chapters", json=body, headers=owner.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_chapters_members_and_a_lead_who_runs_the_chapters_events(api):
    client = api
    owner = await register(client)
    org = await owner.create_org()
    lead = await add_member(owner, org["id"])
    member = await add_member(owner, org["id"])
    chapter = await create_chapter(owner, org["id"])
    other_chapter = await create_chapter(owner, org["id"], name="Lyon")
    base = f"/api/orgs/{org['id']}/chapters"

    made_lead = await client.post(
        f"{base}/{chapter['id']}/members", json={"user_id": lead.id, "role": "lead"}, headers=owner.headers
    )
    assert made_lead.status_code == 201 and made_lead.json()["role"] == "lead"
    joined = await client.post(f"{base}/{chapter['id']}/members", json={}, headers=member.headers)
    assert joined.status_code == 201 and joined.json()["user_id"] == member.id
    again = await client.post(f"{base}/{chapter['id']}/members", json={}, headers=member.headers)
    assert again.status_code == 409
    self_promotion = await client.post(
        f"{base}/{chapter['id']}/members", json={"user_id": member.id, "role": "lead"}, headers=member.headers
    )
    assert self_promotion.status_code == 403

    members = (await client.get(f"{base}/{chapter['id']}/members", headers=member.headers)).json()["items"]
    assert {(m["user_id"], m["role"]) for m in members} == {(lead.id, "lead"), (member.id, "member")}

    # The lead manages their chapter's events, not the organization's nor another chapter's.
    event = await create_event(lead, org["id"], chapter_id=chapter["id"], publish=True)
    ticket_type = await create_ticket_type(lead, org["id"], event["id"])
    events = f"/api/orgs/{org['id']}/events"
    body = {"title": "X", "starts_at": future(), "ends_at": future(11), "timezone": "UTC"}
    assert (await client.post(events, json=body, headers=lead.headers)).status_code == 403
    body["chapter_id"] = other_chapter["id"]
    assert (await client.post(events, json=body, headers=lead.headers)).status_code == 403
    code = (await order(member, org["id"], event["id"], (ticket_type["id"], 1))).json()["tickets"][0]["code"]
    assert (await client.get(f"{events}/{event['id']}/attendees", headers=lead.headers)).status_code == 200
    checked = await client.post(f"{events}/{event['id']}/check-ins", json={"ticket_code": code}, headers=lead.headers)
    assert checked.status_code == 200
    assert (await client.get(f"{events}/{event['id']}/attendees", headers=member.headers)).status_code == 403

    renamed = await client.patch(f"{base}/{chapter['id']}", json={"name": "Paris Centre"}, headers=lead.headers)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Paris Centre"
    assert (
        await client.patch(f"{base}/{chapter['id']}", json={"name": "N"}, headers=member.headers)
    ).status_code == 403
    taken = await client.patch(f"{base}/{chapter['id']}", json={"slug": other_chapter["slug"]}, headers=owner.headers)
    assert taken.status_code == 409

    listed = (await client.get(base, headers=member.headers)).json()
    assert {c["id"] for c in listed["items"]} == {chapter["id"], other_chapter["id"]}
    assert (await client.delete(f"{base}/{chapter['id']}", headers=owner.headers)).status_code == 409  # has events
    assert (await client.delete(f"{base}/{other_chapter['id']}", headers=member.headers)).status_code == 403
    assert (await client.delete(f"{base}/{other_chapter['id']}", headers=owner.headers)).status_code == 204
    assert (await client.get(f"{base}/{other_chapter['id']}", headers=owner.headers)).status_code == 404


async def test_teams_under_the_organization_or_a_chapter_with_members(api):
    client = api
    owner = await register(client)
    org = await owner.create_org()
    member = await add_member(owner, org["id"])
    outsider = await register(client)
    chapter = await create_chapter(owner, org["id"])
    base = f"/api/orgs/{org['id']}/teams"

    assert (await client.post(base, json={"name": "Crew"}, headers=member.headers)).status_code == 403
    team = (await client.post(base, json={"name": "Crew"}, headers=owner.headers)).json()
    local = await client.post(base, json={"name": "Local", "chapter_id": chapter["id"]}, headers=owner.headers)
    assert local.status_code == 201 and local.json()["chapter_id"] == chapter["id"]

    assert (await client.post(f"{base}/{team['id']}/members", json={}, headers=member.headers)).status_code == 201
    not_member = await client.post(f"{base}/{team['id']}/members", json={"user_id": outsider.id}, headers=owner.headers)
    assert not_member.status_code == 404
    members = (await client.get(f"{base}/{team['id']}/members", headers=owner.headers)).json()["items"]
    assert [m["user_id"] for m in members] == [member.id]

    by_chapter = (await client.get(base, params={"chapter_id": chapter["id"]}, headers=member.headers)).json()
    assert [t["name"] for t in by_chapter["items"]] == ["Local"]
    renamed = await client.patch(f"{base}/{team['id']}", json={"name": "Core"}, headers=owner.headers)
    assert renamed.json()["name"] == "Core"
    left = await client.delete(f"{base}/{team['id']}/members/{member.id}", headers=member.headers)
    assert left.status_code == 204
    assert (await client.delete(f"{base}/{team['id']}", headers=owner.headers)).status_code == 204
    assert (await client.get(f"{base}/{team['id']}", headers=owner.headers)).status_code == 404


async def test_audit_log_lists_every_mutation_for_admins_only_newest_first(api):
    client = api
    owner = await register(client)
    org = await owner.create_org()
    member = await add_member(owner, org["id"])
    event = await create_event(owner, org["id"])
    await create_ticket_type(owner, org["id"], event["id"])
    url = f"/api/orgs/{org['id']}/audit-log"

    assert (await client.get(url, headers=member.headers)).status_code == 403
    first = await client.get(url, params={"limit": 2}, headers=owner.headers)
    assert first.status_code == 200
    page = first.json()
    assert [e["action"] for e in page["items"]] == ["ticket_type.created", "event.published"]
    assert page["items"][0]["actor_id"] == owner.id
    assert page["items"][1]["target"]["event_id"] == event["id"]
    rest = (await client.get(url, params={"cursor": page["next_cursor"]}, headers=owner.headers)).json()
    actions = [e["action"] for e in rest["items"]]
    assert actions[0] == "event.created" and "organization.created" in actions and "invitation.accepted" in actions
