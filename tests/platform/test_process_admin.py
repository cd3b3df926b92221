"""The platform admin over HTTP on real PostgreSQL, the flag granted by the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.settings import asyncpg_url
from tests.fixtures.api import ApiUser, register

ROOT = Path(__file__).resolve().parents[2]


def chapterhouse(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT / "src"), "APP_ENV": "test"}
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
async def platform_admin(client: AsyncTestClient[Litestar], database_url: str) -> ApiUser:
    admin = await register(client, name="Operator")
    granted = chapterhouse(database_url, "admin", "grant", admin.email)
    assert granted.returncode == 0, granted.stderr
    assert "is now a platform admin" in granted.stdout
    return admin


async def find(client: AsyncTestClient[Litestar], admin: ApiUser, org_id: str) -> dict[str, Any]:
    cursor: str | None = None
    while True:
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = await client.get("/api/admin/orgs", params=params, headers=admin.headers)
        assert page.status_code == 200, page.text
        for item in page.json()["items"]:
            if item["id"] == org_id:
                return dict(item)
        cursor = page.json()["next_cursor"]
        assert cursor is not None, f"organization {org_id} is not listed"


async def test_the_cli_grants_the_flag_and_refuses_an_unknown_email(
    client: AsyncTestClient[Litestar], database_url: str, platform_admin: ApiUser
) -> None:
    me = await client.get("/api/me", headers=platform_admin.headers)
    assert me.json()["platform_admin"] is True
    unknown = chapterhouse(database_url, "admin", "grant", "nobody-here@example.com")
    assert unknown.returncode == 1 and "no user" in unknown.stderr


async def test_the_listing_shows_every_organization_with_plan_counts_and_usage(
    client: AsyncTestClient[Litestar], platform_admin: ApiUser
) -> None:
    owner = await register(client)
    org_id = (await owner.create_org())["id"]  # the admin is not a member: the listing crosses tenants

    listed = await find(client, platform_admin, org_id)

    assert (listed["plan"], listed["subscription_status"], listed["effective_plan"]) == ("free", "active", "free")
    assert listed["member_count"] == 1
    assert listed["usage"] == {"max_members": {"used": 1, "limit": 10}}
    assert listed["entitlements"]["paid_ticketing"] is False
    assert listed["suspended_at"] is None


async def test_tenant_tokens_never_reach_the_admin_routes(client: AsyncTestClient[Litestar]) -> None:
    owner = await register(client)
    org_id = (await owner.create_org())["id"]

    listing = await client.get("/api/admin/orgs", headers=owner.headers)
    suspend = await client.post(f"/api/admin/orgs/{org_id}/suspend", headers=owner.headers)
    reactivate = await client.post(f"/api/admin/orgs/{org_id}/reactivate", headers=owner.headers)
    anonymous = await client.get("/api/admin/orgs")

    assert [listing.status_code, suspend.status_code, reactivate.status_code] == [403, 403, 403]
    assert anonymous.status_code == 401
    assert (await client.get(f"/api/orgs/{org_id}", headers=owner.headers)).status_code == 200  # not suspended


async def test_suspend_gives_members_403_keeps_data_and_is_audited(
    client: AsyncTestClient[Litestar], database_url: str, platform_admin: ApiUser
) -> None:
    owner = await register(client)
    org_id = (await owner.create_org())["id"]

    suspended = await client.post(
        f"/api/admin/orgs/{org_id}/suspend", json={"reason": "chargeback"}, headers=platform_admin.headers
    )
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["suspended_at"] is not None
    blocked = await client.get(f"/api/orgs/{org_id}/members", headers=owner.headers)
    assert blocked.status_code == 403 and "suspended" in blocked.json()["detail"]
    assert (await find(client, platform_admin, org_id))["suspended_at"] is not None
    again = await client.post(f"/api/admin/orgs/{org_id}/suspend", headers=platform_admin.headers)
    assert again.status_code == 409

    reactivated = await client.post(f"/api/admin/orgs/{org_id}/reactivate", headers=platform_admin.headers)
    assert reactivated.status_code == 200 and reactivated.json()["suspended_at"] is None
    members = await client.get(f"/api/orgs/{org_id}/members", headers=owner.headers)
    assert members.status_code == 200 and len(members.json()["items"]) == 1  # data kept

    conn = await asyncpg.connect(asyncpg_url(database_url))
    try:
        audit = await conn.fetch(
            "SELECT action, actor_id FROM audit_log WHERE organization_id = $1 ORDER BY occurred_at, id",
            uuid.UUID(org_id),
        )
    finally:
        await conn.close()
    admin_id = uuid.UUID(platform_admin.id)
    assert [(r["action"], r["actor_id"]) for r in audit][-2:] == [
        ("organization.suspended", admin_id),
        ("organization.reactivated", admin_id),
    ]


async def test_an_unknown_organization_is_404(client: AsyncTestClient[Litestar], platform_admin: ApiUser) -> None:
    response = await client.post(f"/api/admin/orgs/{uuid.uuid4()}/suspend", headers=platform_admin.headers)
    assert response.status_code == 404
