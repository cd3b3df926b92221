"""Changing the password over HTTP ends the caller's other sessions: their tokens answer 401 and their open
WebSockets close (a real server process, its token watch every 0.1 s); the changing session stays."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.fixtures.api import register
from tests.fixtures.server_process import running_server

PASSWORD = "correct horse battery"  # what tests.fixtures.api.register signs up with
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    with running_server(database_url, extra_env={"WS_ACCESS_RECHECK_SECONDS": "0.1"}) as base:
        yield base


async def log_in(http: httpx.AsyncClient, email: str, password: str) -> str:
    response = await http.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def test_changing_the_password_revokes_the_other_tokens_and_closes_their_sockets(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=20) as http:
        user = await register(http, "Pat Changer")  # type: ignore[arg-type]  (same client surface)
        other_token = await log_in(http, user.email, PASSWORD)
        bystander = await register(http, "Sam Bystander")  # type: ignore[arg-type]
        ws_url = server.replace("http://", "ws://") + "/ws?token="
        async with (
            connect(ws_url + other_token, open_timeout=20) as other_socket,
            connect(ws_url + user.token, open_timeout=20) as own_socket,
            connect(ws_url + bystander.token, open_timeout=20) as bystander_socket,
        ):
            changed = await http.post(
                "/api/me/password",
                json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
                headers=user.headers,
            )
            assert changed.status_code == 204, changed.text
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(other_socket.recv(), 20)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
            for socket in (own_socket, bystander_socket):
                await socket.send('{"type": "ping"}')
                assert await asyncio.wait_for(socket.recv(), 20) == '{"type":"pong"}'

        assert (await http.get("/api/me", headers={"Authorization": f"Bearer {other_token}"})).status_code == 401
        assert (await http.get("/api/me", headers=user.headers)).status_code == 200
        assert (await http.get("/api/me", headers=bystander.headers)).status_code == 200
        login = "/api/auth/login"
        assert (await http.post(login, json={"email": user.email, "password": PASSWORD})).status_code == 401
        assert (await http.post(login, json={"email": user.email, "password": NEW_PASSWORD})).status_code == 200


async def test_a_wrong_current_password_or_a_weak_new_one_changes_nothing(
    client: AsyncTestClient[Litestar],
) -> None:
    user = await register(client, "Pat Careful")
    other_token = await log_in(client, user.email, PASSWORD)  # type: ignore[arg-type]
    cases = [
        ({"current_password": "not my password", "new_password": NEW_PASSWORD}, 422),
        ({"current_password": PASSWORD, "new_password": "qwertyuiop"}, 422),  # among the most common
        ({"current_password": PASSWORD, "new_password": "short"}, 400),
        ({"current_password": PASSWORD}, 400),
    ]
    for body, status in cases:
        answer = await client.post("/api/me/password", json=body, headers=user.headers)
        assert answer.status_code == status, (body, answer.text)
    assert (await client.get("/api/me", headers={"Authorization": f"Bearer {other_token}"})).status_code == 200
    assert (
        await client.post("/api/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    ).status_code == 401


async def test_the_caller_renames_themselves(client: AsyncTestClient[Litestar]) -> None:
    user = await register(client, "Old Name")
    renamed = await client.patch("/api/me", json={"name": "  New   Name "}, headers=user.headers)
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "New Name"
    assert (await client.get("/api/me", headers=user.headers)).json()["name"] == "New Name"
    for body in ({"name": "   "}, {"name": ""}, {"name": "x" * 201}, {"email": "x@example.com"}, {}):
        answer = await client.patch("/api/me", json=body, headers=user.headers)
        assert answer.status_code in (400, 422), (body, answer.text)
    assert (await client.get("/api/me", headers=user.headers)).json()["name"] == "New Name"
    assert (await client.patch("/api/me", json={"name": "Nobody"})).status_code == 401


async def test_sign_up_refuses_the_most_common_passwords(client: AsyncTestClient[Litestar]) -> None:
    for password in ("password", "12345678", "Iloveyou", "qwertyuiop"):
        answer = await client.post(
            "/api/auth/register", json={"email": "common@example.com", "password": password, "name": "C"}
        )
        assert answer.status_code == 422 and "common" in answer.json()["detail"], (password, answer.text)
