"""Tables of chapters and teams, and their members."""

from __future__ import annotations

import sqlalchemy as sa

from adapters.persistence.schema import TENANT, StrEnumType, metadata, organization_column, tenant_fk, tstz
from domain.permissions import ChapterRole

chapters = sa.Table(
    "chapters",
    metadata,
    organization_column(),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("slug", sa.String(63), nullable=False),
    sa.Column("city", sa.String(200), nullable=True),
    sa.Column("timezone", sa.String(64), nullable=True),
    tstz("created_at"),
    sa.UniqueConstraint("organization_id", "slug"),
    sa.Index("ix_chapters_organization_id_created_at_id", "organization_id", "created_at", "id"),
    info=TENANT,
)

# Composite FKs to memberships: leaving the organization leaves its chapters and teams too.
chapter_members = sa.Table(
    "chapter_members",
    metadata,
    sa.Column("organization_id", sa.Uuid, primary_key=True),
    sa.Column("chapter_id", sa.Uuid, primary_key=True),
    sa.Column("user_id", sa.Uuid, primary_key=True),
    sa.Column("role", StrEnumType(ChapterRole), nullable=False),
    tstz("joined_at"),
    tenant_fk(["chapter_id"], "chapters", ["id"], ondelete="CASCADE"),
    tenant_fk(["user_id"], "memberships", ["user_id"], ondelete="CASCADE"),
    sa.Index(
        "ix_chapter_members_organization_id_chapter_id_joined_at_user_id",
        "organization_id",
        "chapter_id",
        "joined_at",
        "user_id",
    ),
    sa.Index("ix_chapter_members_organization_id_user_id", "organization_id", "user_id"),
    info=TENANT,
)

teams = sa.Table(
    "teams",
    metadata,
    organization_column(),
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("chapter_id", sa.Uuid, nullable=True),
    tstz("created_at"),
    tenant_fk(["chapter_id"], "chapters", ["id"], ondelete="CASCADE"),
    sa.Index("ix_teams_organization_id_created_at_id", "organization_id", "created_at", "id"),
    sa.Index("ix_teams_organization_id_chapter_id", "organization_id", "chapter_id"),
    info=TENANT,
)

team_members = sa.Table(
    "team_members",
    metadata,
    sa.Column("organization_id", sa.Uuid, primary_key=True),
    sa.Column("team_id", sa.Uuid, primary_key=True),
    sa.Column("user_id", sa.Uuid, primary_key=True),
    tstz("joined_at"),
    tenant_fk(["team_id"], "teams", ["id"], ondelete="CASCADE"),
    tenant_fk(["user_id"], "memberships", ["user_id"], ondelete="CASCADE"),
    sa.Index(
        "ix_team_members_organization_id_team_id_joined_at_user_id",
        "organization_id",
        "team_id",
        "joined_at",
        "user_id",
    ),
    sa.Index("ix_team_members_organization_id_user_id", "organization_id", "user_id"),
    info=TENANT,
)
