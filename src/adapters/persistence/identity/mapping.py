"""Imperative mapping of users, tokens, organizations, memberships and invitations."""

from __future__ import annotations

from sqlalchemy.orm import registry

from adapters.persistence.identity import tables as t
from domain.account_tokens import AccountToken
from domain.identity import AccessToken, User
from domain.invitations import Invitation
from domain.organizations import Membership, Organization


def map_identity(mapper_registry: registry) -> None:
    mapper_registry.map_imperatively(User, t.users)
    mapper_registry.map_imperatively(AccessToken, t.access_tokens)
    mapper_registry.map_imperatively(AccountToken, t.account_tokens)
    mapper_registry.map_imperatively(Organization, t.organizations)
    mapper_registry.map_imperatively(Membership, t.memberships)
    mapper_registry.map_imperatively(Invitation, t.invitations)
