"""Response headers (nosniff everywhere, no-store on token answers, CSP on the docs) and who reads /metrics."""

from __future__ import annotations

from dataclasses import replace

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from adapters.memory.store import MemoryStore
from entrypoints.app import create_app
from entrypoints.settings import Environment, Settings
from tests.fixtures.api import TEST_SECRET, unique


async def test_every_answer_says_nosniff(memory_client: AsyncTestClient[Litestar]) -> None:
    for path in ("/health", "/api/me", "/no-such-path", "/schema/openapi.json"):
        answer = await memory_client.get(path)
        assert answer.headers.get("x-content-type-options") == "nosniff", path


async def test_answers_carrying_a_token_are_not_stored(memory_client: AsyncTestClient[Litestar]) -> None:
    email, password = f"{unique()}@example.com", "correct horse battery"
    registered = await memory_client.post(
        "/api/auth/register", json={"email": email, "password": password, "name": "N"}
    )
    logged_in = await memory_client.post("/api/auth/login", json={"email": email, "password": password})
    assert logged_in.status_code == 200 and "access_token" in logged_in.json()
    for answer in (registered, logged_in):
        assert answer.headers.get("cache-control") == "no-store"


async def test_the_documentation_cannot_be_framed(memory_client: AsyncTestClient[Litestar]) -> None:
    page = await memory_client.get("/schema/swagger")
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"


def metrics_app(**overrides: object) -> Litestar:
    settings = Settings(env=Environment.TEST, secret_key=TEST_SECRET)
    return create_app(replace(settings, **overrides), memory_store=MemoryStore())  # type: ignore[arg-type]


async def test_metrics_need_the_token_when_one_is_set() -> None:
    token = "m" * 32
    async with AsyncTestClient(app=metrics_app(metrics_token=token)) as client:
        assert (await client.get("/metrics")).status_code == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        scraped = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert scraped.status_code == 200 and "chapterhouse" in scraped.text


async def test_prod_without_a_token_serves_metrics_to_loopback_only() -> None:
    app = metrics_app(env=Environment.PROD)
    async with AsyncTestClient(app=app) as client:  # the test client's address ("testclient") is not loopback
        assert (await client.get("/metrics")).status_code == 403
    for address, status in ((("127.0.0.1", 40000), 200), (("::1", 40000), 200), (("10.0.0.8", 40000), 403)):
        transport = httpx.ASGITransport(app=app, client=address)
        async with httpx.AsyncClient(transport=transport, base_url="http://chapterhouse") as client:
            assert (await client.get("/metrics")).status_code == status, address
