"""Imperative mapping of the chat and notification entities (called once from mapping.map_domain)."""

from __future__ import annotations

from sqlalchemy.orm import registry

from adapters.persistence.chat import tables as t
from domain.chat import Channel, ChannelMember, Message
from domain.notifications import Notification


def map_chat(mapper_registry: registry) -> None:
    mapper_registry.map_imperatively(Channel, t.channels)
    mapper_registry.map_imperatively(ChannelMember, t.channel_members)
    mapper_registry.map_imperatively(Message, t.messages)
    mapper_registry.map_imperatively(Notification, t.notifications)
