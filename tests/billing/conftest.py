"""An API whose StripePaymentGateway talks to a real localstripe process on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from entrypoints.app import create_app
from entrypoints.settings import Settings

WEBHOOK_SECRET = "whsec_billing_e2e"


@pytest.fixture(scope="session")
def billing_settings(settings: Settings, localstripe_url: str) -> Settings:  # (tests/conftest.py's localstripe)
    return replace(settings, stripe_api_base=localstripe_url, stripe_webhook_secret=WEBHOOK_SECRET)


@pytest.fixture(scope="session")
async def billing_app(billing_settings: Settings) -> Litestar:
    return create_app(billing_settings)


@pytest.fixture
async def billing_client(billing_app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=billing_app) as client:
        yield client
