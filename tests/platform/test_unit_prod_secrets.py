"""Prod refuses every secret that is a default or appears in the repository (they are public)."""

from __future__ import annotations

import pytest

from entrypoints.settings import DEFAULT_STRIPE_WEBHOOK_SECRET, Settings, SettingsError
from tests.fixtures.services import TEST_SECRET

LIVE = {
    "APP_ENV": "prod",
    "DATABASE_URL": "postgresql://x@h/db",
    "SECRET_KEY": "s" * 48,
    "STRIPE_API_KEY": "sk_live_" + "a" * 24,
    "STRIPE_WEBHOOK_SECRET": "whsec_" + "b" * 32,
}


def test_prod_starts_with_secrets_of_its_own() -> None:
    assert Settings.from_env(LIVE).stripe_api_key.startswith("sk_live_")


@pytest.mark.parametrize(
    "override",
    [
        {"SECRET_KEY": TEST_SECRET},  # long enough, but it is in the repository
        {"STRIPE_WEBHOOK_SECRET": ""},  # falls back to the default
        {"STRIPE_WEBHOOK_SECRET": DEFAULT_STRIPE_WEBHOOK_SECRET},
        {"STRIPE_WEBHOOK_SECRET": "whsec_billing_e2e"},
        {"STRIPE_WEBHOOK_SECRET": "whsec_short"},
        {"STRIPE_API_KEY": ""},  # the default test key
        {"STRIPE_API_KEY": "sk_test_" + "c" * 24},  # any test key
        {"STRIPE_API_KEY": "rk_test_" + "c" * 24},
        {"METRICS_TOKEN": "short"},
    ],
)
def test_prod_refuses_default_and_test_secrets(override: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({**LIVE, **override})


def test_dev_and_test_keep_their_defaults() -> None:
    assert Settings.from_env({"APP_ENV": "test"}).stripe_webhook_secret == DEFAULT_STRIPE_WEBHOOK_SECRET
