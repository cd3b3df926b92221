"""Conventions a browser client relies on: CORS for configured origins only, one timestamp form (UTC `Z`),
currency codes in ISO 4217 upper case everywhere."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from adapters.memory.store import MemoryStore
from entrypoints.app import create_app
from entrypoints.http_conventions import utc_timestamps
from entrypoints.settings import Environment, Settings
from tests.fixtures.api import TEST_SECRET, register

ORIGIN = "https://app.example.com"


@pytest.fixture
async def cors_client() -> AsyncIterator[AsyncTestClient[Litestar]]:
    settings = Settings.from_env(
        {"APP_ENV": "test", "SECRET_KEY": TEST_SECRET, "CORS_ORIGINS": f"{ORIGIN}, https://admin.example.com/"}
    )
    assert settings.cors_origins == (ORIGIN, "https://admin.example.com")
    async with AsyncTestClient(app=create_app(settings, memory_store=MemoryStore())) as client:
        yield client


PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type"}


async def test_a_preflight_from_a_configured_origin_is_allowed(cors_client: AsyncTestClient[Litestar]) -> None:
    response = await cors_client.options("/api/orgs", headers={"Origin": ORIGIN, **PREFLIGHT})
    assert response.status_code in (200, 204)
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "authorization" in response.headers["access-control-allow-headers"].lower()
    simple = await cors_client.get("/api/plans", headers={"Origin": ORIGIN})
    assert simple.headers["access-control-allow-origin"] == ORIGIN


async def test_other_origins_get_no_cors_headers(cors_client: AsyncTestClient[Litestar]) -> None:
    response = await cors_client.options("/api/orgs", headers={"Origin": "https://evil.example", **PREFLIGHT})
    assert "access-control-allow-origin" not in response.headers


async def test_without_cors_origins_there_is_no_cors_at_all(memory_client: AsyncTestClient[Litestar]) -> None:
    response = await memory_client.options("/api/orgs", headers={"Origin": ORIGIN, **PREFLIGHT})
    assert "access-control-allow-origin" not in response.headers
    simple = await memory_client.get("/api/plans", headers={"Origin": ORIGIN})
    assert "access-control-allow-origin" not in simple.headers


@pytest.mark.parametrize("which", ["memory", "postgres"])
async def test_an_echoed_offset_comes_back_in_utc_z_like_every_read(
    which: str, memory_client: AsyncTestClient[Litestar], client: AsyncTestClient[Litestar]
) -> None:
    http = memory_client if which == "memory" else client
    owner = await register(http)
    org = await owner.create_org()
    body = {
        "title": "Offsets",
        "starts_at": "2031-03-01T19:30:00+01:00",
        "ends_at": "2031-03-01T22:00:00.250000-05:00",
        "timezone": "Europe/Paris",
    }
    created = await http.post(f"/api/orgs/{org['id']}/events", json=body, headers=owner.headers)
    assert created.status_code == 201, created.text
    assert created.json()["starts_at"] == "2031-03-01T18:30:00Z"
    assert created.json()["ends_at"] == "2031-03-02T03:00:00.250000Z"
    read = await http.get(f"/api/orgs/{org['id']}/events/{created.json()['id']}", headers=owner.headers)
    assert read.json()["starts_at"] == created.json()["starts_at"]
    assert read.json()["created_at"].endswith("Z")


def test_only_whole_timestamp_values_are_rewritten() -> None:
    body = b'{"a":"2031-03-01T19:30:00+01:00","b":"said \\"2031-03-01T19:30:00+01:00\\"","c":"2031-03-01T18:30:00Z"}'
    assert utc_timestamps(body) == (
        b'{"a":"2031-03-01T18:30:00Z","b":"said \\"2031-03-01T19:30:00+01:00\\"","c":"2031-03-01T18:30:00Z"}'
    )


@pytest.mark.parametrize("which", ["memory", "postgres"])
async def test_currencies_are_upper_case_in_plans_and_ticket_types(
    which: str, memory_client: AsyncTestClient[Litestar], client: AsyncTestClient[Litestar]
) -> None:
    http = memory_client if which == "memory" else client
    plans = (await http.get("/api/plans")).json()["items"]
    assert plans and all(plan["currency"] == plan["currency"].upper() == "EUR" for plan in plans)
    owner = await register(http)
    org = await owner.create_org()
    event = await http.post(
        f"/api/orgs/{org['id']}/events",
        json={
            "title": "Cash",
            "starts_at": "2031-03-01T18:00:00Z",
            "ends_at": "2031-03-01T20:00:00Z",
            "timezone": "UTC",
        },
        headers=owner.headers,
    )
    ticket_type = await http.post(
        f"/api/orgs/{org['id']}/events/{event.json()['id']}/ticket-types",
        json={"name": "Seat", "price_cents": 500, "currency": "eur", "quantity": 3},
        headers=owner.headers,
    )
    assert ticket_type.status_code == 201, ticket_type.text
    assert ticket_type.json()["currency"] == "EUR"


def test_settings_refuse_an_unknown_log_format() -> None:
    from entrypoints.settings import SettingsError

    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        Settings.from_env({"LOG_FORMAT": "xml"})
    assert Settings.from_env({}).cors_origins == () and Settings(env=Environment.TEST).log_format is None
