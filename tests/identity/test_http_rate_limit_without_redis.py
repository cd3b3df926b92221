"""Redis unreachable: sign-up and log-in still answer (never 500), and are still limited, in this process."""

from __future__ import annotations

from dataclasses import replace

from litestar.testing import AsyncTestClient
from scripts import services

from entrypoints.app import create_app
from entrypoints.settings import Settings
from tests.fixtures.api import unique


async def test_login_and_sign_up_degrade_to_a_local_limiter(settings: Settings) -> None:
    dead_redis = f"redis://127.0.0.1:{services.free_port()}/0"  # nothing listens there
    app = create_app(replace(settings, redis_url=dead_redis, auth_rate_limit_per_minute=4))
    email, password = f"{unique()}@example.com", "correct horse battery"
    async with AsyncTestClient(app=app) as client:
        registered = await client.post("/api/auth/register", json={"email": email, "password": password, "name": "N"})
        assert registered.status_code == 201, registered.text
        statuses = [
            (await client.post("/api/auth/login", json={"email": email, "password": password})).status_code
            for _ in range(5)
        ]
    assert statuses[:3] == [200, 200, 200]  # the limit (4 a minute) counts the sign-up too
    assert statuses[3:] == [429, 429], statuses
