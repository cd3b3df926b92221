"""ASGI entry for uvicorn (factory=True): settings are parsed when the server calls the factory."""

from __future__ import annotations

from litestar import Litestar

from entrypoints.app import create_app
from entrypoints.logging_setup import configure_logging
from entrypoints.settings import Settings


def app_factory() -> Litestar:
    settings = Settings.from_env()
    configure_logging(settings.log_level)
    return create_app(settings)
