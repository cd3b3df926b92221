"""The API docs, served whole by the app itself: no CDN, so /schema renders on a laptop without internet.

Swagger UI's files come from the `swagger-ui-py` package (which ships swagger-ui-dist with its Apache-2.0
LICENSE, served beside them at /schema/assets/LICENSE); the AsyncAPI document of the WebSocket protocol is
served at /schema/asyncapi.json, next to /schema/openapi.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Router, get
from litestar.openapi.plugins import OpenAPIRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

from entrypoints.asyncapi import build_asyncapi

ASSETS_PATH = "/schema/assets"


def swagger_ui_directory() -> Path:
    import swagger_ui

    return Path(swagger_ui.__file__).resolve().parent / "static"


def docs_render_plugins() -> list[OpenAPIRenderPlugin]:
    return [
        SwaggerRenderPlugin(
            js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
            css_url=f"{ASSETS_PATH}/swagger-ui.css",
            standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
            favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
        )
    ]


def docs_routes(version: str) -> list[Any]:
    document = build_asyncapi(version)

    @get("/schema/asyncapi.json", include_in_schema=False, sync_to_thread=False, cache=True)
    def asyncapi_document() -> dict[str, Any]:
        return document

    assets = create_static_files_router(
        path=ASSETS_PATH, directories=[swagger_ui_directory()], include_in_schema=False, send_as_attachment=False
    )
    return [Router(path="/", route_handlers=[asyncapi_document]), assets]
