"""Demo data: an organization with an owner and its world (entrypoints.demo), created once; running it again adds
nothing."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.persistence.unit_of_work import SqlaUnitOfWorkFactory
from application.identity import RegisterUser, RegisterUserCommand
from application.organizations import CreateOrganization, CreateOrganizationCommand
from domain.errors import Conflict
from domain.permissions import Principal
from entrypoints.container import build_container
from entrypoints.demo import MEMBER_EMAIL, seed_demo_world
from entrypoints.settings import Settings

DEMO_EMAIL = "owner@demo.chapterhouse.test"
DEMO_PASSWORD = "demo-password-123"
DEMO_ORG_SLUG = "demo"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    organization_slug: str
    created: bool


async def seed_demo(settings: Settings) -> DemoLogin:
    container = build_container(settings)
    created = False
    try:
        async with container() as scope:
            uows = await scope.get(SqlaUnitOfWorkFactory)  # the demo data goes into the database
            async with uows() as uow:
                owner = await uow.users.get_by_email(DEMO_EMAIL)
                # The demo member is the world's first row: with it there, the world was seeded (no app to start).
                world_seeded = await uow.users.get_by_email(MEMBER_EMAIL) is not None
            if owner is None:
                register = await scope.get(RegisterUser)
                registered = await register.execute(
                    RegisterUserCommand(email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo Owner")
                )
                owner_id = registered.id
                created = True
            else:
                owner_id = owner.id
            create_org = await scope.get(CreateOrganization)
            try:
                await create_org.execute(
                    Principal(owner_id),
                    CreateOrganizationCommand(name="Demo Chapterhouse", slug=DEMO_ORG_SLUG),
                )
                created = True
            except Conflict:
                pass  # seeded before
    finally:
        await container.close()
    if not world_seeded:
        created = await seed_demo_world(settings, DEMO_EMAIL, DEMO_PASSWORD, DEMO_ORG_SLUG) or created
    return DemoLogin(DEMO_EMAIL, DEMO_PASSWORD, DEMO_ORG_SLUG, created)
