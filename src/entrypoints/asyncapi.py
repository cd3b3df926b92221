"""The AsyncAPI 3 document of the `/ws` protocol, served at /schema/asyncapi.json beside the OpenAPI.

Frame payload schemas are generated from the wire format's own msgspec Structs (adapters.realtime.frames), so
the document cannot drift from what the socket decodes and encodes; only the small control frames
(subscribed, unsubscribed, pong, error), which the socket builds ad hoc, are written out here.
"""

from __future__ import annotations

from typing import Any

import msgspec

from adapters.realtime import frames

_REF = "#/components/schemas/{name}"

# name: (direction as seen by the server, struct or hand-written schema, summary)
_CLIENT_FRAMES: dict[str, tuple[type[msgspec.Struct], str]] = {
    "subscribe": (
        frames.SubscribeFrame,
        'Follow a channel (its id, or "notifications"); with `after` (a message id) the missed messages come '
        "first, then live ones, none twice.",
    ),
    "unsubscribe": (frames.UnsubscribeFrame, "Stop following a channel."),
    "post": (frames.PostFrame, "Post a chat message (stored first, then pushed to every follower)."),
    "ping": (frames.PingFrame, "Keep the socket alive: without a client frame for 90 s the server closes it."),
}
_SERVER_FRAMES: dict[str, tuple[type[msgspec.Struct], str]] = {
    "message": (frames.MessageFrame, "A chat message of a followed channel, in id order per channel."),
    "notification": (frames.NotificationFrame, "A notification for the connected user."),
}


def _control(kind: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"type": {"const": kind}, **properties},
        "required": ["type", *required],
        "additionalProperties": False,
    }


_CHANNEL = {"type": "string", "description": 'a channel id, or "notifications"'}
_CONTROL_FRAMES: dict[str, tuple[dict[str, Any], str]] = {
    "subscribed": (_control("subscribed", {"channel": _CHANNEL}, ["channel"]), "A subscribe took effect."),
    "unsubscribed": (_control("unsubscribed", {"channel": _CHANNEL}, ["channel"]), "An unsubscribe took effect."),
    "pong": (_control("pong", {}, []), "The answer to a ping."),
    "error": (
        _control("error", {"detail": {"type": "string"}, "channel": _CHANNEL}, ["detail"]),
        "A refused frame (malformed, too large, rate limited, no access) or a subscription that ended; "
        "the socket stays open unless a close follows.",
    ),
}

CLOSE_CODES = {
    1000: "normal closure",
    1001: "idle for too long (no client frame for WS_IDLE_TIMEOUT_SECONDS)",
    1008: "token missing, expired or revoked; or too many refused frames in a row",
    1009: "frame over 64 KiB",
    1011: "internal error",
    1013: "the client is too slow (outgoing queue full) or the real-time backend is unavailable: reconnect, resume",
}


def build_asyncapi(version: str, server_host: str = "127.0.0.1:8000") -> dict[str, Any]:
    structs = [struct for struct, _ in (*_CLIENT_FRAMES.values(), *_SERVER_FRAMES.values())]
    generated, components = msgspec.json.schema_components(structs, ref_template=_REF)
    schemas: dict[str, Any] = dict(components)
    messages: dict[str, Any] = {}
    for name, (struct, summary) in (*_CLIENT_FRAMES.items(), *_SERVER_FRAMES.items()):
        messages[name] = {
            "name": name,
            "title": struct.__name__,
            "summary": summary,
            "payload": generated[structs.index(struct)],
        }
    for name, (schema, summary) in _CONTROL_FRAMES.items():
        schemas[f"{name.capitalize()}Frame"] = schema
        messages[name] = {
            "name": name,
            "summary": summary,
            "payload": {"$ref": _REF.format(name=f"{name.capitalize()}Frame")},
        }

    def operation(action: str, name: str) -> dict[str, Any]:
        return {
            "action": action,
            "channel": {"$ref": "#/channels/socket"},
            "summary": messages[name]["summary"],
            "messages": [{"$ref": f"#/channels/socket/messages/{name}"}],
        }

    operations = {f"receive{n.capitalize()}": operation("receive", n) for n in _CLIENT_FRAMES}
    operations |= {f"send{n.capitalize()}": operation("send", n) for n in (*_SERVER_FRAMES, *_CONTROL_FRAMES)}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Chapterhouse real-time API",
            "version": version,
            "description": "One WebSocket per client at `/ws?token=<bearer token>` (the HTTP API's token). Every "
            "frame is a JSON text frame with a `type`. Close codes: "
            + "; ".join(f"{code} {why}" for code, why in CLOSE_CODES.items())
            + ". Limits: 8 KiB per frame, 20 client frames per second.",
        },
        "defaultContentType": "application/json",
        "servers": {"api": {"host": server_host, "protocol": "ws", "description": "the API server itself"}},
        "channels": {
            "socket": {
                "address": "/ws",
                "title": "The socket",
                "servers": [{"$ref": "#/servers/api"}],
                "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
                "bindings": {
                    "ws": {
                        "query": {
                            "type": "object",
                            "properties": {"token": {"type": "string", "description": "the bearer token"}},
                            "required": ["token"],
                        }
                    }
                },
            }
        },
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }
