"""Dev payments without the internet: `chapterhouse dev` starts localstripe (a Stripe-compatible server, a dev
dependency) on a free loopback port unless a real Stripe is configured, points the API at it and has it sign
and deliver its webhooks to the API, as Stripe would. `chapterhouse dev pay` pays an order with a test card.

Run as `python -m entrypoints.dev_stripe --port N --state FILE --parent PID`: localstripe's app, bound to
127.0.0.1, with its store kept in FILE (not the machine-wide /tmp/localstripe.pickle) so payments survive a
restart of `make run`; it exits when PID does.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import pickle
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from entrypoints.settings import DEFAULT_STRIPE_API_KEY, Settings

WEBHOOK_ID = "chapterhouse-dev"
TEST_CARD = "pm_card_visa"


def state_file(settings: Settings) -> Path:
    return settings.data_dir / "localstripe.json"


def wants_local_stripe(settings: Settings) -> bool:
    """Only when nothing real is configured: an explicit STRIPE_API_BASE or a key of one's own wins."""
    return settings.stripe_api_base is None and settings.stripe_api_key == DEFAULT_STRIPE_API_KEY


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, timeout_seconds: float = 20) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"localstripe exited with code {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"localstripe did not listen on 127.0.0.1:{port} within {timeout_seconds} s")


def _post_form(url: str, data: dict[str, str], api_key: str | None = None) -> dict[str, Any]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode(), method="POST")
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return dict(json.loads(body)) if body else {}


class LocalStripe:
    """localstripe for this process's lifetime, started at once; `ready()` waits for it and wires the webhook.
    Starting it first lets it boot while the migrations and the seed run."""

    def __init__(self, settings: Settings) -> None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self._settings = settings
        self._port = _free_port()
        state = settings.data_dir / "localstripe.pickle"
        self._log = (settings.data_dir / "localstripe.log").open("ab")
        self._process = subprocess.Popen(
            [
                *(sys.executable, "-m", "entrypoints.dev_stripe"),
                *("--port", str(self._port), "--state", str(state), "--parent", str(os.getpid())),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
        )
        atexit.register(self.stop)

    def ready(self) -> str:
        """Its URL (also written to DATA_DIR), once it listens and posts its events to this API."""
        _wait_until_listening(self._process, self._port)
        url = f"http://127.0.0.1:{self._port}"
        # localstripe signs its events with our webhook secret and posts them to the API, as Stripe does.
        _post_form(
            f"{url}/_config/webhooks/{WEBHOOK_ID}",
            {"url": f"{self._settings.public_url}/api/webhooks/stripe", "secret": self._settings.stripe_webhook_secret},
        )
        state_file(self._settings).write_text(json.dumps({"url": url, "pid": self._process.pid}), encoding="utf-8")
        return url

    def stop(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
        self._log.close()


def local_stripe_url(settings: Settings) -> str | None:
    try:
        return str(json.loads(state_file(settings).read_text(encoding="utf-8"))["url"])
    except (OSError, ValueError, KeyError):
        return None


def pay(settings: Settings, reference: str) -> str:
    """Pay with the test card: `reference` is a PaymentIntent id, its client secret, or an order id.
    localstripe then delivers `payment_intent.succeeded` to the API, which marks the order paid."""
    url = settings.stripe_api_base or local_stripe_url(settings)
    if url is None:
        raise LookupError("no local Stripe: start `chapterhouse dev` (make run) first")
    key = settings.stripe_api_key
    intent_id = reference.split("_secret_")[0] if reference.startswith("pi_") else _intent_of_order(url, key, reference)
    _post_form(f"{url}/v1/payment_intents/{intent_id}", {"payment_method": TEST_CARD}, key)
    confirmed = _post_form(f"{url}/v1/payment_intents/{intent_id}/confirm", {}, key)
    return str(confirmed.get("status"))


def _intent_of_order(url: str, api_key: str, order_id: str) -> str:
    request = urllib.request.Request(f"{url}/v1/payment_intents?limit=100")
    request.add_header("Authorization", f"Bearer {api_key}")
    with urllib.request.urlopen(request, timeout=10) as response:
        intents = json.loads(response.read())["data"]
    for intent in intents:
        if (intent.get("metadata") or {}).get("order_id") == order_id:
            return str(intent["id"])
    raise LookupError(f"no PaymentIntent for order {order_id} on the local Stripe")


def _exit_with(parent: int) -> None:
    """The dev server may end without running atexit (uvicorn re-raises the signal that stopped it, and kill -9
    runs nothing): localstripe leaves when its parent is gone instead of lingering on its port."""
    import threading

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _serve(port: int, state: Path, parent: int) -> None:
    from aiohttp import web
    from localstripe import resources, server

    _exit_with(parent)

    def load(store: Any) -> None:
        try:
            with state.open("rb") as f:
                store.clear()
                store.update(pickle.load(f))
        except (FileNotFoundError, EOFError, pickle.UnpicklingError):
            pass

    def dump(store: Any) -> None:
        partial = state.with_suffix(".tmp")
        with partial.open("wb") as f:
            pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(state)

    resources.Store.dump_to_disk = dump
    load(resources.store)
    web.run_app(server.app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    arguments = argparse.ArgumentParser(description="localstripe on loopback for `chapterhouse dev`")
    arguments.add_argument("--port", type=int, required=True)
    arguments.add_argument("--state", type=Path, required=True)
    arguments.add_argument("--parent", type=int, required=True, help="exit when this process is gone")
    parsed = arguments.parse_args()
    _serve(parsed.port, parsed.state, parsed.parent)
