"""Builders of the communications path-parameter kinds for the generated cross-tenant matrix."""

from __future__ import annotations

from typing import Any


async def _report(client: Any, tenant: Any) -> str:
    response = await client.post(
        f"/api/orgs/{tenant.org['id']}/reports", json={"kind": "members"}, headers=tenant.owner.headers
    )
    assert response.status_code == 202, response.text
    return str(response.json()["report_id"])


COMMUNICATIONS_BUILDERS = {"report_id": _report}
COMMUNICATIONS_VALID_BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/orgs/{org_id:uuid}/reports"): {"kind": "members"},
    ("POST", "/api/orgs/{org_id:uuid}/announcements"): {"audience": "org", "subject": "Hi", "body": "Hello"},
}
