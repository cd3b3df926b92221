"""Runs localstripe (`python localstripe_server.py --port N`) with two test-only changes.

1. Idempotency keys. localstripe ignores the `Idempotency-Key` header, so the same create twice makes two
   objects. Real Stripe replays the first answer for a key (and refuses the key with other parameters).
   A middleware does the same here, so one contract test covers both gateways, and it proves that the
   Stripe adapter really sends our key: without the header there is nothing to replay.
2. No pickle file. localstripe writes its whole store to /tmp/localstripe.pickle after every change, a path
   shared with any other localstripe on the machine. Tests start from scratch and need no persistence.

Everything else is localstripe as installed (`localstripe.server.start`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from localstripe import resources, server

resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]

# Idempotency-Key -> (method and path, body, status, response body)
_answers: dict[str, tuple[str, bytes, int, bytes]] = {}


@web.middleware
async def replay_idempotent_requests(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key:
        return await handler(request)
    endpoint, body = f"{request.method} {request.path}", await request.read()
    if key in _answers:
        first_endpoint, first_body, status, answer = _answers[key]
        if (first_endpoint, first_body) != (endpoint, body):
            error = {
                "error": {
                    "type": "idempotency_error",
                    "message": "Keys for idempotent requests can only be used with the same parameters "
                    "they were first used with.",
                }
            }
            return web.json_response(error, status=400)
        return web.Response(
            status=status,
            body=answer,
            content_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )
    response = await handler(request)
    # Like Stripe, remember only requests that ran; errors raised as exceptions are not replayed.
    if isinstance(response, web.Response) and response.body is not None and 200 <= response.status < 300:
        _answers[key] = (endpoint, body, response.status, bytes(response.body))  # type: ignore[arg-type]
    return response


server.app.middlewares.append(replay_idempotent_requests)

if __name__ == "__main__":
    server.start()
