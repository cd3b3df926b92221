"""Headless Chromium (Debian's /usr/bin/chromium) driven over the DevTools protocol with `websockets`: every
request the page makes is paused, let through when it goes to loopback and failed (and recorded) otherwise."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

CHROMIUM = Path("/usr/bin/chromium")
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


def ensure_chromium() -> Path:
    """Debian's chromium (no browser download): installed with apt-get when missing."""
    if not CHROMIUM.exists():
        apt = shutil.which("apt-get")
        assert apt, "chromium is missing and apt-get is not available to install it"
        subprocess.run([apt, "update", "-qq"], check=True, capture_output=True, timeout=600)
        subprocess.run(
            [apt, "install", "-y", "-qq", "chromium", "chromium-driver"],
            check=True,
            capture_output=True,
            timeout=900,
            env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
    return CHROMIUM


class Page:
    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.allowed: list[str] = []
        self.blocked: list[str] = []
        self.something_blocked = asyncio.Event()

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[message_id] = answer
        await self._socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        reply = await asyncio.wait_for(answer, timeout=30)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return dict(reply.get("result", {}))

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def pump(self) -> None:
        async for raw in self._socket:
            message = json.loads(raw)
            if "id" in message and message["id"] in self._waiting:
                self._waiting.pop(message["id"]).set_result(message)
            elif message.get("method") == "Fetch.requestPaused":
                asyncio.get_running_loop().create_task(self._decide(message["params"]))

    async def _decide(self, paused: dict[str, Any]) -> None:
        url = paused["request"]["url"]
        host = urllib.parse.urlsplit(url).hostname or ""
        if host in LOOPBACK:
            self.allowed.append(url)
            await self.call("Fetch.continueRequest", requestId=paused["requestId"])
        else:
            self.blocked.append(url)
            self.something_blocked.set()
            await self.call("Fetch.failRequest", requestId=paused["requestId"], errorReason="BlockedByClient")


def _launch(user_data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            str(ensure_chromium()),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            f"--user-data-dir={user_data_dir}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = _devtools_port(process, user_data_dir)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            targets = json.loads(response.read())
        return process, next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
    except BaseException:
        _stop(process)
        raise


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@contextlib.asynccontextmanager
async def headless_page(user_data_dir: Path) -> AsyncIterator[Page]:
    process, page_url = await asyncio.to_thread(_launch, user_data_dir)
    try:
        async with connect(page_url, max_size=2**26) as socket:
            page = Page(socket)
            pump = asyncio.get_running_loop().create_task(page.pump())
            try:
                await page.call("Fetch.enable", patterns=[{"urlPattern": "*"}])
                await page.call("Page.enable")
                await page.call("Runtime.enable")
                yield page
            finally:
                pump.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pump
    finally:
        await asyncio.to_thread(_stop, process)


def _devtools_port(process: subprocess.Popen[str], user_data_dir: Path, timeout: float = 60) -> int:
    """Chromium writes the port it chose to DevToolsActivePort in the profile directory."""
    deadline = time.monotonic() + timeout
    marker = user_data_dir / "DevToolsActivePort"
    while time.monotonic() < deadline:
        if marker.exists():
            first_line = marker.read_text().splitlines()[:1]
            if first_line and re.fullmatch(r"\d+", first_line[0]):
                return int(first_line[0])
        if process.poll() is not None:
            raise RuntimeError(
                f"chromium exited with {process.returncode}: {process.stderr.read() if process.stderr else ''}"
            )
        time.sleep(0.1)
    raise RuntimeError("chromium did not open its DevTools port")
