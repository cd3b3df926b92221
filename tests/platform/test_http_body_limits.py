"""Every JSON body is checked at the edge, before any handler or dependency runs (issue: hardening 1 and 9)."""

from __future__ import annotations

import json

from litestar import Litestar
from litestar.testing import AsyncTestClient

from adapters.http.body_limits import json_depth_exceeds
from tests.fixtures.api import register, unique
from tests.fixtures.ticketing import create_event


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


async def test_a_deeply_nested_body_is_a_400_on_an_unauthenticated_route(
    memory_client: AsyncTestClient[Litestar],
) -> None:
    for depth in (1_000, 5_000, 50_000):
        body = '{"email": ' + nested(depth) + ', "password": "x", "name": "n"}'
        answer = await memory_client.post(
            "/api/auth/register", content=body.encode(), headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 400, (depth, answer.text)
        assert answer.json()["extra"]["code"] == "json_too_deep"


async def test_a_deeply_nested_body_is_a_400_on_every_json_route(client: AsyncTestClient[Litestar]) -> None:
    owner = await register(client)
    org_id = (await owner.create_org())["id"]
    deep = '{"name": ' + nested(1_000) + "}"
    for path in ("/api/orgs", f"/api/orgs/{org_id}/chapters", f"/api/orgs/{org_id}/events", "/api/webhooks/stripe"):
        answer = await client.post(
            path, content=deep.encode(), headers={**owner.headers, "Content-Type": "application/json"}
        )
        assert (answer.status_code, answer.json()["extra"]["code"]) == (400, "json_too_deep"), (path, answer.text)


async def test_a_huge_body_is_refused_before_it_is_read(memory_client: AsyncTestClient[Litestar]) -> None:
    huge = json.dumps({"email": "a@example.com", "password": "x" * 2_000_000, "name": "n"})
    answer = await memory_client.post(
        "/api/auth/register", content=huge.encode(), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400 and answer.json()["extra"]["code"] == "body_too_large"


async def test_a_body_that_is_not_json_is_a_415(memory_client: AsyncTestClient[Litestar]) -> None:
    body = json.dumps({"email": f"{unique()}@example.com", "password": "correct horse battery", "name": "n"})
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "text/html; charset=utf-8"):
        answer = await memory_client.post(
            "/api/auth/register", content=body.encode(), headers={"Content-Type": content_type}
        )
        assert answer.status_code == 415, (content_type, answer.text)
        assert answer.json()["extra"]["code"] == "unsupported_media_type"
    accepted = await memory_client.post(
        "/api/auth/register", content=body.encode(), headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert accepted.status_code == 201, accepted.text


async def test_types_are_strict_a_number_sent_as_a_string_is_a_400(client: AsyncTestClient[Litestar]) -> None:
    owner = await register(client)
    org_id = (await owner.create_org())["id"]
    event = await create_event(owner, org_id, publish=False)
    path = f"/api/orgs/{org_id}/events/{event['id']}/ticket-types"
    as_string = {"name": "General", "price_cents": 0, "currency": "EUR", "quantity": "10"}
    refused = await client.post(path, json=as_string, headers=owner.headers)
    assert refused.status_code == 400, refused.text
    assert refused.json()["extra"]["code"] == "invalid_body" and "quantity" in refused.text
    accepted = await client.post(path, json={**as_string, "quantity": 10}, headers=owner.headers)
    assert accepted.status_code == 201, accepted.text


def test_depth_ignores_brackets_inside_strings() -> None:
    assert not json_depth_exceeds(json.dumps({"a": "[" * 500}).encode(), 32)
    assert json_depth_exceeds(nested(33).encode(), 32)
    assert not json_depth_exceeds(nested(32).encode(), 32)
    assert not json_depth_exceeds(json.dumps({"a": ['\\"[[[', [1, 2]]}).encode(), 3)
