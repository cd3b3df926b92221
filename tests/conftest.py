"""Every shared fixture is a plugin module of tests/fixtures; test modules import helpers from there, never
from a conftest."""

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.stripe_process",
    "tests.fixtures.api",
    "tests.fixtures.billing_api",
    "tests.fixtures.backends",
    "tests.fixtures.jobs",
    "tests.fixtures.smtp",
    "tests.fixtures.api_servers",
]
