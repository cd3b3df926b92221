"""WebSocket close codes the server sends (RFC 6455, section 7.4.1), and the reason shared by every token check."""

from __future__ import annotations

WS_1000_NORMAL = 1000
WS_1001_GOING_AWAY = 1001
WS_1008_POLICY_VIOLATION = 1008
WS_1011_INTERNAL_ERROR = 1011
WS_1012_SERVICE_RESTART = 1012
WS_1013_TRY_AGAIN_LATER = 1013

TOKEN_REFUSED = "the token is missing, expired or revoked"
