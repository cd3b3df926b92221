"""Organization subscriptions over HTTP: real PostgreSQL, StripePaymentGateway against localstripe."""

from __future__ import annotations

import uuid

import pytest
import stripe
from litestar import Litestar
from litestar.testing import AsyncTestClient

from adapters.security.tokens import HmacInvitationTokenCodec
from entrypoints.settings import Settings
from tests.fixtures.api import TEST_SECRET, ApiUser, register

pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning")

CARD = "pm_card_visa"


async def member_with_role(client: AsyncTestClient[Litestar], owner: ApiUser, org_id: str, role: str) -> ApiUser:
    user = await register(client)
    invited = await client.post(
        f"/api/orgs/{org_id}/invitations", json={"email": user.email, "role": role}, headers=owner.headers
    )
    assert invited.status_code == 201, invited.text
    token = HmacInvitationTokenCodec(TEST_SECRET).encode(uuid.UUID(org_id), uuid.UUID(invited.json()["id"]))
    accepted = await client.post(f"/api/invitations/{token}/accept", headers=user.headers)
    assert accepted.status_code == 200, accepted.text
    return user


async def stripe_subscription(settings: Settings, subscription_id: str) -> dict:  # type: ignore[type-arg]
    http_client = stripe.HTTPXClient()
    client = stripe.StripeClient(
        settings.stripe_api_key,
        base_addresses={"api": settings.stripe_api_base},
        http_client=http_client,
        max_network_retries=0,
    )
    try:
        return (await client.v1.subscriptions.retrieve_async(subscription_id)).to_dict()
    finally:
        await http_client.close_async()  # type: ignore[no-untyped-call]


async def subscription_id_of(client: AsyncTestClient[Litestar], settings: Settings, customer_id: str) -> str:
    http_client = stripe.HTTPXClient()
    stripe_client = stripe.StripeClient(
        settings.stripe_api_key, base_addresses={"api": settings.stripe_api_base}, http_client=http_client
    )
    try:
        listed = await stripe_client.v1.subscriptions.list_async(params={"customer": customer_id})
        return str(listed.data[-1].id)
    finally:
        await http_client.close_async()  # type: ignore[no-untyped-call]


async def test_an_owner_subscribes_changes_and_downgrades_through_stripe(
    billing_client: AsyncTestClient[Litestar], billing_settings: Settings
) -> None:
    owner = await register(billing_client)
    org_id = (await owner.create_org())["id"]
    path = f"/api/orgs/{org_id}/billing/subscription"

    started = await billing_client.post(path, json={"plan": "team", "payment_method": CARD}, headers=owner.headers)

    assert started.status_code == 200, started.text
    body = started.json()
    assert (body["plan"], body["status"], body["effective_plan"]) == ("team", "active", "team")
    customer_id = body["stripe_customer_id"]
    assert customer_id.startswith("cus_")
    subscription_id = await subscription_id_of(billing_client, billing_settings, customer_id)
    assert (await stripe_subscription(billing_settings, subscription_id))["status"] == "active"

    changed = await billing_client.post(path, json={"plan": "network"}, headers=owner.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["plan"] == "network" and changed.json()["stripe_customer_id"] == customer_id
    item = (await stripe_subscription(billing_settings, subscription_id))["items"]["data"][0]
    assert item["plan"]["id"] == "chapterhouse-network-monthly"

    downgraded = await billing_client.post(path, json={"plan": "free"}, headers=owner.headers)
    assert downgraded.status_code == 200, downgraded.text
    assert (downgraded.json()["plan"], downgraded.json()["effective_plan"]) == ("free", "free")
    assert (await stripe_subscription(billing_settings, subscription_id))["status"] == "canceled"

    read = await billing_client.get(path, headers=owner.headers)
    assert read.status_code == 200 and read.json()["plan"] == "free"


async def test_a_member_who_is_not_owner_or_billing_manager_cannot_change_the_plan(
    billing_client: AsyncTestClient[Litestar],
) -> None:
    owner = await register(billing_client)
    org_id = (await owner.create_org())["id"]
    path = f"/api/orgs/{org_id}/billing/subscription"
    member = await member_with_role(billing_client, owner, org_id, "member")
    admin = await member_with_role(billing_client, owner, org_id, "admin")
    billing_manager = await member_with_role(billing_client, owner, org_id, "billing_manager")

    for refused in (member, admin):
        response = await billing_client.post(
            path, json={"plan": "team", "payment_method": CARD}, headers=refused.headers
        )
        assert response.status_code == 403, response.text
    assert (await billing_client.get(path, headers=member.headers)).status_code == 403
    assert (await billing_client.get(path, headers=owner.headers)).json()["plan"] == "free"  # nothing changed

    allowed = await billing_client.post(
        path, json={"plan": "team", "payment_method": CARD}, headers=billing_manager.headers
    )
    assert allowed.status_code == 200, allowed.text


async def test_another_organizations_subscription_is_404_and_untouched(
    billing_client: AsyncTestClient[Litestar],
) -> None:
    owner = await register(billing_client)
    org_id = (await owner.create_org())["id"]
    stranger = await register(billing_client)
    await stranger.create_org()
    path = f"/api/orgs/{org_id}/billing/subscription"

    assert (await billing_client.get(path, headers=stranger.headers)).status_code == 404
    response = await billing_client.post(path, json={"plan": "team", "payment_method": CARD}, headers=stranger.headers)
    assert response.status_code == 404
    assert (await billing_client.get(path, headers=owner.headers)).json()["plan"] == "free"


async def test_bad_input_is_refused_and_changes_nothing(billing_client: AsyncTestClient[Litestar]) -> None:
    owner = await register(billing_client)
    org_id = (await owner.create_org())["id"]
    path = f"/api/orgs/{org_id}/billing/subscription"

    unknown_plan = await billing_client.post(path, json={"plan": "platinum"}, headers=owner.headers)
    no_card = await billing_client.post(path, json={"plan": "team"}, headers=owner.headers)
    extra_field = await billing_client.post(path, json={"plan": "team", "price": 0}, headers=owner.headers)

    assert unknown_plan.status_code == 422
    assert no_card.status_code == 402  # Stripe: this customer has no payment method
    assert extra_field.status_code == 400
    assert (await billing_client.get(path, headers=owner.headers)).json()["plan"] == "free"
