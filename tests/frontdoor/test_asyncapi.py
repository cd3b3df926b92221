"""The AsyncAPI 3 document of /ws: served next to the OpenAPI, well formed (every reference resolves, every
operation names a message of its channel) and complete (every frame type the socket knows is in it)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from adapters.realtime import frames

SERVER_SENT_CONTROL = {"subscribed", "unsubscribed", "pong", "error"}


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        assert isinstance(node, dict) and part in node, f"unresolved {ref}"
        node = node[part]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [node["$ref"]] if "$ref" in node else [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _refs(value)]
    return []


def _tag(payload: dict[str, Any], document: dict[str, Any]) -> str:
    schema = _resolve(document, payload["$ref"]) if "$ref" in payload else payload
    return str(schema["properties"]["type"].get("const") or schema["properties"]["type"]["enum"][0])


async def test_the_asyncapi_document_is_served_well_formed_and_complete(
    memory_client: AsyncTestClient[Litestar],
) -> None:
    response = await memory_client.get("/schema/asyncapi.json")
    assert response.status_code == 200
    document = response.json()

    assert document["asyncapi"] == "3.0.0"
    assert {"title", "version", "description"} <= set(document["info"])
    assert document["servers"]["api"]["protocol"] == "ws"
    channel = document["channels"]["socket"]
    assert channel["address"] == "/ws" and "token" in channel["bindings"]["ws"]["query"]["required"]
    for ref in _refs(document):
        _resolve(document, ref)

    received, sent = set(), set()
    for name, operation in document["operations"].items():
        assert operation["action"] in ("send", "receive"), name
        assert operation["channel"] == {"$ref": "#/channels/socket"}
        for message_ref in operation["messages"]:
            assert message_ref["$ref"].startswith("#/channels/socket/messages/"), name
            message = _resolve(document, _resolve(document, message_ref["$ref"])["$ref"])
            assert message["summary"] and "payload" in message
            (received if operation["action"] == "receive" else sent).add(_tag(message["payload"], document))

    client_tags = {
        cls.__struct_config__.tag
        for cls in (frames.SubscribeFrame, frames.UnsubscribeFrame, frames.PostFrame, frames.PingFrame)
    }
    assert received == client_tags
    server_tags = {frames.MessageFrame.__struct_config__.tag, frames.NotificationFrame.__struct_config__.tag}
    assert sent == server_tags | SERVER_SENT_CONTROL


def test_the_payload_schemas_accept_real_frames() -> None:
    """A frame the socket would decode validates against its documented schema's required fields."""
    from entrypoints.asyncapi import build_asyncapi

    document = build_asyncapi("test")
    subscribe = document["components"]["schemas"]["SubscribeFrame"]
    frame = msgspec.json.decode(b'{"type": "subscribe", "channel": "notifications"}')
    assert set(subscribe["required"]) <= set(frame)
    assert frames.client_frames.decode(msgspec.json.encode(frame)) == frames.SubscribeFrame(channel="notifications")
