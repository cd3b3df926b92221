from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from adapters.memory.store import MemoryStore
from entrypoints import database
from entrypoints.app import create_app
from entrypoints.settings import Environment, Settings
from tests import support
from tests.adapters.payments.conftest import localstripe_url  # noqa: F401  (the session's localstripe)

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session")
def admin_database_url() -> str:
    return support.in_thread(support.admin_database_url)


@pytest.fixture(scope="session")
def database_url(admin_database_url: str) -> Iterator[str]:
    """A fresh database for the whole session, built by the migrations (never create_all)."""
    url = support.in_thread(support.create_database, admin_database_url)
    support.in_thread(database.upgrade, url)
    yield url
    support.in_thread(support.drop_database, url)


@pytest.fixture(scope="session")
def settings(database_url: str, localstripe_url: str) -> Settings:  # noqa: F811
    # Paid orders start their PaymentIntent at once: the API talks to a local Stripe, never to the internet.
    return Settings(
        stripe_api_base=localstripe_url,
        env=Environment.TEST,
        database_url=database_url,
        secret_key=TEST_SECRET,
        auth_rate_limit_per_minute=10_000,
        db_pool_size=5,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Litestar]:
    application = create_app(settings)
    yield application


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as c:
        yield c


@pytest.fixture
def memory_store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
async def memory_client(memory_store: MemoryStore) -> AsyncIterator[AsyncTestClient[Litestar]]:
    settings = Settings(env=Environment.TEST, secret_key=TEST_SECRET, auth_rate_limit_per_minute=10_000)
    async with AsyncTestClient(app=create_app(settings, memory_store=memory_store)) as c:
        yield c


def unique(prefix: str = "u") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


class ApiUser:
    """A registered, logged-in user driving the API like a client would."""

    def __init__(self, client: AsyncTestClient[Litestar], email: str, token: str, user_id: str) -> None:
        self.client, self.email, self.token, self.id = client, email, token, user_id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def create_org(self, name: str = "Org") -> dict[str, Any]:
        response = await self.client.post(
            "/api/orgs", json={"name": name, "slug": unique("org-")}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        return dict(response.json())


async def register(client: AsyncTestClient[Litestar], name: str = "Test User") -> ApiUser:
    email = f"{unique()}@example.com"
    password = "correct horse battery"
    response = await client.post("/api/auth/register", json={"email": email, "password": password, "name": name})
    assert response.status_code == 201, response.text
    user_id = response.json()["id"]
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return ApiUser(client, email, response.json()["access_token"], user_id)
