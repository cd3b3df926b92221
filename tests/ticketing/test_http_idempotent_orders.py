"""Idempotency-Key on order placement: a repeat answers with the first answer, never books a second seat."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from tests.fixtures.api import register
from tests.fixtures.ticketing import add_member, create_event, create_ticket_type


async def _setup(api: Any) -> tuple[Any, str, str, str]:
    owner = await register(api)
    org = await owner.create_org()
    event = await create_event(owner, org["id"], capacity=5)
    ticket_type = await create_ticket_type(owner, org["id"], event["id"], quantity=5)
    return owner, org["id"], event["id"], ticket_type["id"]


async def _place(owner: Any, org_id: str, event_id: str, tt: str, key: str | None, quantity: int = 1) -> Any:
    headers = {**owner.headers, **({"Idempotency-Key": key} if key is not None else {})}
    return await owner.client.post(
        f"/api/orgs/{org_id}/events/{event_id}/orders",
        json={"items": [{"ticket_type_id": tt, "quantity": quantity}]},
        headers=headers,
    )


async def _reserved(owner: Any, org_id: str, event_id: str) -> int:
    response = await owner.client.get(f"/api/orgs/{org_id}/events/{event_id}", headers=owner.headers)
    assert response.status_code == 200, response.text
    return int(response.json()["reserved"])


async def test_a_repeat_with_the_same_key_answers_the_first_answer(api: Any) -> None:
    owner, org_id, event_id, tt = await _setup(api)
    key = f"retry-{uuid.uuid4()}"
    first = await _place(owner, org_id, event_id, tt, key)
    assert first.status_code == 201, first.text
    again = await _place(owner, org_id, event_id, tt, key)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert await _reserved(owner, org_id, event_id) == 1

    other = await _place(owner, org_id, event_id, tt, f"retry-{uuid.uuid4()}")  # another key: another order
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert await _reserved(owner, org_id, event_id) == 2


async def test_the_same_key_with_another_request_is_refused_with_a_code(api: Any) -> None:
    owner, org_id, event_id, tt = await _setup(api)
    key = f"retry-{uuid.uuid4()}"
    assert (await _place(owner, org_id, event_id, tt, key)).status_code == 201
    changed = await _place(owner, org_id, event_id, tt, key, quantity=2)
    assert changed.status_code == 422, changed.text
    assert changed.json()["extra"] == {"code": "idempotency_key_reused"}
    assert await _reserved(owner, org_id, event_id) == 1


async def test_a_repeat_finds_its_order_even_once_the_event_is_sold_out(api: Any) -> None:
    owner, org_id, event_id, tt = await _setup(api)
    key = f"retry-{uuid.uuid4()}"
    first = await _place(owner, org_id, event_id, tt, key, quantity=5)  # takes every seat
    assert first.status_code == 201, first.text
    again = await _place(owner, org_id, event_id, tt, key, quantity=5)
    assert (again.status_code, again.json()["id"]) == (201, first.json()["id"])


async def test_concurrent_repeats_place_one_order(api: Any) -> None:
    owner, org_id, event_id, tt = await _setup(api)
    key = f"retry-{uuid.uuid4()}"
    answers = await asyncio.gather(*(_place(owner, org_id, event_id, tt, key) for _ in range(8)))
    assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    assert await _reserved(owner, org_id, event_id) == 1


async def test_keys_are_per_user(api: Any) -> None:
    owner, org_id, event_id, tt = await _setup(api)
    key = f"shared-{uuid.uuid4()}"
    mine = await _place(owner, org_id, event_id, tt, key)
    member = await add_member(owner, org_id)
    theirs = await _place(member, org_id, event_id, tt, key)  # the same key from someone else: their own order
    assert (mine.status_code, theirs.status_code) == (201, 201), theirs.text
    assert theirs.json()["id"] != mine.json()["id"]
    assert theirs.json()["buyer_id"] == member.id
    assert await _reserved(owner, org_id, event_id) == 2


async def test_a_malformed_key_is_a_client_error(api: Any) -> None:
    owner, org_id, event_id, tt = await _setup(api)
    for bad in ("x" * 256, "with space", ""):
        response = await _place(owner, org_id, event_id, tt, bad)
        assert response.status_code == 400, (bad, response.text)
    assert await _reserved(owner, org_id, event_id) == 0
