"""Fixtures of the identity tests. The job fixtures (Redis, SMTP server, job settings) are shared with the job
tests from where they live today; they move with the shared fixtures."""

from tests.jobs.conftest import job_settings, redis_url, smtp_sink  # noqa: F401
