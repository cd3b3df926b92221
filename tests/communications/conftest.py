"""The job tests' real services (Redis, SMTP, job settings) for the communications tests too."""

from tests.jobs.conftest import job_settings, redis_client, redis_url, smtp_sink  # noqa: F401
from tests.ticketing.conftest import backend, memory_backend, sql_backend  # noqa: F401
