"""A refused first subscription attempt does not block a retry with other parameters (real Stripe adapter
against localstripe, which replays idempotency keys like Stripe and refuses a key reused with other params)."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.billing.test_http import CARD, member_with_role
from tests.fixtures.api import register

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")


async def test_a_billing_manager_retries_with_a_card_after_the_owner_was_refused(
    billing_client: AsyncTestClient[Litestar],
) -> None:
    owner = await register(billing_client)
    org_id = (await owner.create_org("Retry Org"))["id"]
    path = f"/api/orgs/{org_id}/billing/subscription"

    refused = await billing_client.post(path, json={"plan": "team"}, headers=owner.headers)
    assert refused.status_code == 402, refused.text  # no payment method: nothing is kept

    manager = await member_with_role(billing_client, owner, org_id, "billing_manager")  # another email
    retried = await billing_client.post(path, json={"plan": "team", "payment_method": CARD}, headers=manager.headers)
    assert retried.status_code == 200, retried.text
    assert retried.json()["plan"] == "team" and retried.json()["status"] == "active"


async def test_a_retry_after_a_rename_gets_its_customer(billing_client: AsyncTestClient[Litestar]) -> None:
    owner = await register(billing_client)
    org_id = (await owner.create_org("Before Rename"))["id"]
    path = f"/api/orgs/{org_id}/billing/subscription"

    assert (await billing_client.post(path, json={"plan": "team"}, headers=owner.headers)).status_code == 402
    renamed = await billing_client.patch(f"/api/orgs/{org_id}", json={"name": "After Rename"}, headers=owner.headers)
    assert renamed.status_code == 200, renamed.text
    retried = await billing_client.post(path, json={"plan": "team", "payment_method": CARD}, headers=owner.headers)
    assert retried.status_code == 200, retried.text
