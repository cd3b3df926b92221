import pytest

from adapters.security.tokens import HmacInvitationTokenCodec
from domain.errors import InvalidToken
from domain.ids import new_id
from entrypoints.settings import Environment, Settings, SettingsError, as_role


def test_defaults_are_dev() -> None:
    settings = Settings.from_env({})
    assert settings.env == Environment.DEV and settings.port == 8000 and settings.host == "127.0.0.1"


def test_prod_refuses_the_default_secret_and_a_missing_database() -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"APP_ENV": "prod", "DATABASE_URL": "postgresql://x@h/db"})
    with pytest.raises(SettingsError):
        Settings.from_env({"APP_ENV": "prod", "SECRET_KEY": "k" * 40})
    live = {"STRIPE_API_KEY": "sk_live_" + "a" * 24, "STRIPE_WEBHOOK_SECRET": "whsec_" + "b" * 32}
    assert Settings.from_env({"APP_ENV": "prod", "SECRET_KEY": "k" * 40, "DATABASE_URL": "postgresql://x@h/db", **live})


@pytest.mark.parametrize("env", [{"APP_ENV": "staging"}, {"PORT": "eighty"}, {"PORT": "70000"}])
def test_bad_values_are_refused(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env(env)


def test_runtime_url_uses_the_app_role() -> None:
    assert as_role("postgresql://postgres:pw@127.0.0.1:5432/db", "app") == "postgresql://app@127.0.0.1:5432/db"
    assert as_role("postgresql://postgres@/db?host=/tmp/s", "app") == "postgresql://app@/db?host=/tmp/s"


def test_invitation_tokens_resist_tampering() -> None:
    codec = HmacInvitationTokenCodec("secret")
    org, inv = new_id(), new_id()
    token = codec.encode(org, inv)
    assert codec.decode(token) == (org, inv)
    for bad in (token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), "garbage", "", token + "x"):
        with pytest.raises(InvalidToken):
            codec.decode(bad)
    with pytest.raises(InvalidToken):
        HmacInvitationTokenCodec("other").decode(token)
