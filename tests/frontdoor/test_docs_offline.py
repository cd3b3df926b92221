"""The docs load anywhere: /schema in headless Chromium renders every operation with nothing fetched beyond
loopback (the assets are the app's own, from swagger-ui-py), and the AsyncAPI document sits beside the OpenAPI."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.server_process import running_server
from tests.frontdoor.browser import headless_page

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    with running_server(database_url) as base:
        yield base


def _operations(base: str) -> int:
    with urllib.request.urlopen(f"{base}/schema/openapi.json", timeout=10) as response:
        document = json.loads(response.read())
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    return sum(1 for item in document["paths"].values() for method in item if method in methods)


async def test_swagger_ui_renders_every_operation_without_the_internet(server: str, tmp_path: Path) -> None:
    expected = await asyncio.to_thread(_operations, server)
    async with headless_page(tmp_path / "profile") as page:
        await page.call("Page.navigate", url=f"{server}/schema")
        deadline, rendered = time.monotonic() + 60, 0
        while time.monotonic() < deadline:
            rendered = await page.evaluate("document.querySelectorAll('.opblock').length") or 0
            if rendered >= expected:
                break
            await asyncio.sleep(0.25)
        paths = await page.evaluate(
            "[...document.querySelectorAll('.opblock-summary-path')].map(e => e.textContent).join(' ')"
        )
        title = await page.evaluate("document.querySelector('.info .title')?.textContent || ''")
    assert rendered == expected > 50, (rendered, expected)
    assert "/api/auth/login" in paths and "Chapterhouse API" in title
    assert page.blocked == [], f"the page reached beyond loopback: {page.blocked}"
    assert any(url.endswith("/schema/assets/swagger-ui-bundle.js") for url in page.allowed)


def test_the_bundled_assets_ship_their_licence(server: str) -> None:
    with urllib.request.urlopen(f"{server}/schema/assets/LICENSE", timeout=10) as response:
        assert "Apache License" in response.read().decode()


async def test_the_browser_check_does_see_a_cdn_request(tmp_path: Path) -> None:
    """Negative control: a page that loads a script from a CDN is caught (and the request never leaves)."""
    async with headless_page(tmp_path / "profile") as page:
        html = "<html><head><script src='https://cdn.jsdelivr.net/npm/swagger-ui-dist/swagger-ui-bundle.js'></script>"
        await page.call("Page.navigate", url=f"data:text/html,{html}</head><body>x</body></html>")
        await asyncio.wait_for(page.something_blocked.wait(), timeout=30)
    assert page.blocked == ["https://cdn.jsdelivr.net/npm/swagger-ui-dist/swagger-ui-bundle.js"]
