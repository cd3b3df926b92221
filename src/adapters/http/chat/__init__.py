"""Chat channels, messages and my notifications (the socket is adapters/realtime)."""
