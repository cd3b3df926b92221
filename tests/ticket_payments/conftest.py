"""The ticketing backends (memory twin and PostgreSQL), shared with tests/ticketing."""

from tests.ticketing.conftest import memory_backend  # noqa: F401
