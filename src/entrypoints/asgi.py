"""ASGI entry for uvicorn (factory=True): settings are parsed when the server calls the factory."""

from __future__ import annotations

from litestar import Litestar

from entrypoints.app import create_app
from entrypoints.jobs import run_jobs_in_process
from entrypoints.logging_setup import configure_logging
from entrypoints.settings import Environment, Settings


def app_factory() -> Litestar:
    settings = Settings.from_env()
    configure_logging(settings.log_level, log_format=settings.log_format)
    app = create_app(settings)
    if settings.env == Environment.DEV and not settings.redis_url:
        # One command shows the whole product: no worker or scheduler process to start in dev.
        run_jobs_in_process(app, settings)
    return app
