"""Generated from the route table: every route with an id in its path, called by organization A's
owner with organization B's ids (in B's paths and mixed into A's), answers 404 — or 403 on
organization-less operator routes — and the database is the same afterwards."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
from litestar import Litestar

from entrypoints.settings import asyncpg_url
from tests.isolation.tenants import KIND_BUILDERS, VALID_BODIES, build_tenant

PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
# Routes where an id is not a foreign object (webhooks carry none; operator routes answer 403 to tenants).
ORG_LESS_403 = re.compile(r"^/api/admin/")
# The public side names an organization by its slug and shows its public part to anyone: there, their ids
# are checked mixed into my organization's public paths (their event under my slug is 404).
PUBLIC = re.compile(r"^/api/public/orgs/")


def id_routes(app: Litestar) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if not PARAM.search(route.path) or not route.path.startswith("/api/"):
            continue
        for method in sorted(getattr(route, "methods", ())):
            if method not in ("HEAD", "OPTIONS"):
                found.append((method, route.path))
    return found


async def database_state(url: str) -> dict[str, Any]:
    conn = await asyncpg.connect(asyncpg_url(url))
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('alembic_version', "
                "'access_tokens') ORDER BY 1"
            )
        ]
        return {t: sorted(map(str, await conn.fetch(f"SELECT * FROM {t}"))) for t in tables}
    finally:
        await conn.close()


def fill(path: str, ids: dict[str, str], override: dict[str, str] | None = None) -> str:
    values = {**ids, **(override or {})}

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise AssertionError(f"no builder for path parameter '{name}' in {path}: add one to KIND_BUILDERS")
        return values[name]

    return PARAM.sub(sub, path)


async def test_every_id_route_hides_other_organizations(app: Litestar, client, settings) -> None:
    routes = id_routes(app)
    assert len(routes) >= 6, routes  # the route table was read
    mine = await build_tenant(client, "Mine")
    theirs = await build_tenant(client, "Theirs")
    before = await database_state(settings.database_url)
    failures = []
    for method, path in routes:
        params = PARAM.findall(path)
        variants = {} if PUBLIC.match(path) else {"their ids": fill(path, theirs.ids)}
        for scope in ("org_id", "slug"):
            if scope in params and len(params) > 1:
                variants["their ids in my org"] = fill(path, theirs.ids, {scope: mine.ids[scope]})
        for label, url in variants.items():
            body = VALID_BODIES.get((method, path))
            response = await client.request(method, url, json=body, headers=mine.owner.headers)
            expected = 403 if ORG_LESS_403.match(path) else 404
            # A 400 means validation answered before the lookup: register a valid body in VALID_BODIES.
            if response.status_code != expected or theirs.org["name"] in response.text:
                failures.append(f"{method} {url} ({label}): {response.status_code} {response.text[:120]}")
    assert failures == []
    assert await database_state(settings.database_url) == before


def test_every_path_parameter_kind_has_a_builder(app: Litestar) -> None:
    kinds = {name for _, path in id_routes(app) for name in PARAM.findall(path)} - {"org_id", "slug"}
    assert kinds <= set(KIND_BUILDERS), kinds - set(KIND_BUILDERS)
