"""`chapterhouse admin grant|revoke EMAIL`: the use case, run in a container built for the command."""

from __future__ import annotations

from application.platform_admin import SetPlatformAdmin
from domain.errors import DomainError
from entrypoints.container import build_container
from entrypoints.settings import Settings


async def set_platform_admin(settings: Settings, email: str, *, platform_admin: bool) -> tuple[bool, str]:
    container = build_container(settings)
    try:
        async with container() as scope:
            use_case = await scope.get(SetPlatformAdmin)
            try:
                result = await use_case.execute(email, platform_admin=platform_admin)
            except DomainError as error:
                return False, error.detail
    finally:
        await container.close()
    state = "is now a platform admin" if result.platform_admin else "is no longer a platform admin"
    return True, f"{result.email} {state}"
