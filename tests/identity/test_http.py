"""HTTP end to end on real PostgreSQL: flows, tenancy (404 across organizations), auth, bad input."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from adapters.security.tokens import HmacInvitationTokenCodec
from entrypoints.settings import asyncpg_url
from tests.fixtures.api import TEST_SECRET, ApiUser, register, unique


async def snapshot(settings) -> dict[str, list]:
    """Every row of the identity tables, read as the owner (RLS does not apply to it here)."""
    conn = await asyncpg.connect(asyncpg_url(settings.database_url))
    try:
        return {
            t: sorted(map(tuple, await conn.fetch(f"SELECT * FROM {t}")), key=str)
            for t in ("users", "organizations", "memberships", "invitations", "audit_log")
        }
    finally:
        await conn.close()


def invitation_token(invitation_id: str, org_id: str) -> str:
    return HmacInvitationTokenCodec(TEST_SECRET).encode(uuid.UUID(org_id), uuid.UUID(invitation_id))


async def invite_and_join(client, admin: ApiUser, org_id: str, role: str = "member") -> ApiUser:
    newcomer = await register(client, "Newcomer")
    response = await client.post(
        f"/api/orgs/{org_id}/invitations", json={"email": newcomer.email, "role": role}, headers=admin.headers
    )
    assert response.status_code == 201, response.text
    token = invitation_token(response.json()["id"], org_id)
    response = await client.post(f"/api/invitations/{token}/accept", headers=newcomer.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"organization_id": org_id, "role": role}
    return newcomer


async def test_full_identity_flow(client) -> None:
    alice = await register(client, "Alice")
    org = await alice.create_org("Alpha")
    assert org["role"] == "owner"
    listed = (await client.get("/api/orgs", headers=alice.headers)).json()["items"]
    assert [o["id"] for o in listed] == [org["id"]]
    renamed = await client.patch(f"/api/orgs/{org['id']}", json={"name": "Alpha Two"}, headers=alice.headers)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Alpha Two"

    bob = await invite_and_join(client, alice, org["id"])
    members = (await client.get(f"/api/orgs/{org['id']}/members?limit=1", headers=bob.headers)).json()
    assert len(members["items"]) == 1 and members["next_cursor"]
    rest = (
        await client.get(
            f"/api/orgs/{org['id']}/members", params={"cursor": members["next_cursor"]}, headers=bob.headers
        )
    ).json()
    assert [m["email"] for m in rest["items"]] == [bob.email] and rest["next_cursor"] is None

    promoted = await client.patch(
        f"/api/orgs/{org['id']}/members/{bob.id}", json={"role": "admin"}, headers=alice.headers
    )
    assert promoted.status_code == 200 and promoted.json()["role"] == "admin"
    assert (await client.delete(f"/api/orgs/{org['id']}/members/{bob.id}", headers=alice.headers)).status_code == 204
    assert (await client.get(f"/api/orgs/{org['id']}", headers=bob.headers)).status_code == 404

    assert (await client.post("/api/auth/logout", headers=alice.headers)).status_code == 204
    assert (await client.get("/api/me", headers=alice.headers)).status_code == 401


async def test_the_last_owner_cannot_leave_or_be_demoted(client) -> None:
    alice = await register(client)
    org = await alice.create_org()
    base = f"/api/orgs/{org['id']}/members/{alice.id}"
    assert (await client.patch(base, json={"role": "admin"}, headers=alice.headers)).status_code == 409
    assert (await client.delete(base, headers=alice.headers)).status_code == 409


async def test_taken_slug_conflicts(client) -> None:
    alice = await register(client)
    slug = unique("s-")
    assert (await client.post("/api/orgs", json={"name": "A", "slug": slug}, headers=alice.headers)).status_code == 201
    response = await client.post("/api/orgs", json={"name": "B", "slug": slug}, headers=alice.headers)
    assert response.status_code == 409 and response.json()["detail"] == "this slug is taken"


async def test_unauthenticated_requests_get_401(client) -> None:
    org_id = uuid.uuid4()
    for method, path in [
        ("GET", "/api/me"),
        ("GET", "/api/orgs"),
        ("POST", "/api/orgs"),
        ("GET", f"/api/orgs/{org_id}"),
        ("GET", f"/api/orgs/{org_id}/members"),
        ("POST", "/api/auth/logout"),
    ]:
        for headers in ({}, {"Authorization": "Bearer forged"}, {"Authorization": "Basic abc"}):
            response = await client.request(method, path, headers=headers, json={"name": "x", "slug": "x"})
            assert response.status_code == 401, (method, path, headers)
            assert response.json()["status_code"] == 401


async def test_a_member_cannot_do_an_admins_work(client, settings) -> None:
    alice = await register(client)
    org = await alice.create_org()
    bob = await invite_and_join(client, alice, org["id"])
    before = await snapshot(settings)
    attempts = [
        ("PATCH", f"/api/orgs/{org['id']}", {"name": "Mine now"}),
        ("PATCH", f"/api/orgs/{org['id']}/members/{alice.id}", {"role": "member"}),
        ("DELETE", f"/api/orgs/{org['id']}/members/{alice.id}", None),
        ("POST", f"/api/orgs/{org['id']}/invitations", {"email": "friend@example.com"}),
    ]
    for method, path, body in attempts:
        response = await client.request(method, path, json=body, headers=bob.headers)
        assert response.status_code == 403, (method, path, response.text)
    assert await snapshot(settings) == before


async def test_another_organizations_ids_answer_404_and_change_nothing(client, settings) -> None:
    alice, mallory = await register(client, "Alice"), await register(client, "Mallory")
    org = await alice.create_org("Victim")
    own = await mallory.create_org("Attacker")
    bob = await invite_and_join(client, alice, org["id"])
    invitation = await client.post(
        f"/api/orgs/{org['id']}/invitations", json={"email": "x@example.com"}, headers=alice.headers
    )
    before = await snapshot(settings)
    victim, attacker = org["id"], own["id"]
    attempts = [
        ("GET", f"/api/orgs/{victim}", None),
        ("PATCH", f"/api/orgs/{victim}", {"name": "pwned"}),
        ("GET", f"/api/orgs/{victim}/members", None),
        ("PATCH", f"/api/orgs/{victim}/members/{bob.id}", {"role": "admin"}),
        ("DELETE", f"/api/orgs/{victim}/members/{bob.id}", None),
        ("POST", f"/api/orgs/{victim}/invitations", {"email": "evil@example.com"}),
        # Their member's id mixed into my organization's path.
        ("PATCH", f"/api/orgs/{attacker}/members/{bob.id}", {"role": "admin"}),
        ("DELETE", f"/api/orgs/{attacker}/members/{alice.id}", None),
    ]
    for method, path, body in attempts:
        response = await client.request(method, path, json=body, headers=mallory.headers)
        assert response.status_code == 404, (method, path, response.text)
        assert victim not in response.text or path.endswith(victim)
    # An invitation token is bound to its organization: Mallory can't use Alice's for another email.
    token = invitation_token(invitation.json()["id"], victim)
    response = await client.post(f"/api/invitations/{token}/accept", headers=mallory.headers)
    assert response.status_code == 404
    assert await snapshot(settings) == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/auth/register", {"email": "a@b.co", "password": "short", "name": "A"}),
        ("/api/auth/register", {"email": "a@b.co", "password": "long enough pw"}),
        ("/api/auth/register", {"email": 5, "password": "long enough pw", "name": "A"}),
        ("/api/auth/register", {"email": "not-an-email", "password": "long enough pw", "name": "A"}),
        ("/api/auth/register", {"email": "a@b.co", "password": "long enough pw", "name": "x" * 201}),
        ("/api/auth/register", {"email": "a@b.co", "password": "long enough pw", "name": "A", "admin": True}),
        ("/api/orgs", {"name": "A", "slug": "Bad Slug"}),
        ("/api/orgs", {"name": "", "slug": "ok"}),
        ("/api/orgs", {"name": "A" * 201, "slug": "ok"}),
        ("/api/orgs", {"name": ["A"], "slug": "ok"}),
        ("/api/orgs", {}),
    ],
)
async def test_bad_input_is_a_4xx_and_writes_nothing(client, settings, path: str, body: dict) -> None:
    user = await register(client)
    before = await snapshot(settings)
    response = await client.post(path, json=body, headers=user.headers)
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()) >= {"status_code", "detail"}
    assert await snapshot(settings) == before


async def test_malformed_json_and_bad_ids(client, settings) -> None:
    user = await register(client)
    org = await user.create_org()
    before = await snapshot(settings)
    response = await client.post(
        "/api/orgs", content=b'{"name": "x"', headers={**user.headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    for path in (
        "/api/orgs/not-a-uuid",
        f"/api/orgs/{org['id']}/members/not-a-uuid",
        f"/api/orgs/{org['id']}/members?limit=0",
        f"/api/orgs/{org['id']}/members?limit=abc",
        f"/api/orgs/{org['id']}/members?cursor=garbage!!",
    ):
        response = await client.get(path, headers=user.headers)
        assert 400 <= response.status_code < 500, (path, response.text)
    bad_role = await client.patch(
        f"/api/orgs/{org['id']}/members/{user.id}", json={"role": "emperor"}, headers=user.headers
    )
    assert bad_role.status_code == 400
    assert (await client.post("/api/invitations/garbage/accept", headers=user.headers)).status_code == 400
    assert await snapshot(settings) == before


async def test_invitation_tampered_reused_or_for_someone_else(client, settings) -> None:
    alice = await register(client)
    org = await alice.create_org()
    bob = await invite_and_join(client, alice, org["id"])
    carol = await register(client)
    response = await client.post(f"/api/orgs/{org['id']}/invitations", json={"email": bob.email}, headers=alice.headers)
    token = invitation_token(response.json()["id"], org["id"])
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert (await client.post(f"/api/invitations/{tampered}/accept", headers=carol.headers)).status_code == 400
    assert (await client.post(f"/api/invitations/{token}/accept", headers=bob.headers)).status_code == 409
    members = (await client.get(f"/api/orgs/{org['id']}/members", headers=alice.headers)).json()["items"]
    assert carol.email not in {m["email"] for m in members}


async def test_login_is_rate_limited(memory_store) -> None:
    from litestar.testing import AsyncTestClient

    from entrypoints.app import create_app
    from entrypoints.settings import Environment, Settings

    app = create_app(
        Settings(env=Environment.TEST, secret_key=TEST_SECRET, auth_rate_limit_per_minute=3), memory_store=memory_store
    )
    async with AsyncTestClient(app=app) as client:
        codes = [
            (await client.post("/api/auth/login", json={"email": "a@b.co", "password": "x"})).status_code
            for _ in range(5)
        ]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]


async def test_health_ready_and_openapi(client) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/orgs/{org_id}/members" in schema["paths"]
    assert (await client.get("/schema/swagger")).status_code == 200


async def test_request_id_is_echoed(client) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "abc123"})
    assert response.headers["x-request-id"] == "abc123"


async def test_metrics_count_requests_by_route_template(client) -> None:
    user = await register(client)
    org = await user.create_org()
    await client.get(f"/api/orgs/{org['id']}/members", headers=user.headers)
    text = (await client.get("/metrics")).text
    assert 'path="/api/orgs/{org_id}/members"' in text
    assert org["id"] not in text
