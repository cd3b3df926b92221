"""`chapterhouse`: one CLI for every process kind (API, worker, scheduler) and for operations."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence

from entrypoints.settings import Settings, SettingsError


def _settings_with_database() -> Settings:
    from entrypoints.database import resolve_database

    settings = resolve_database(Settings.from_env())
    # Child processes (uvicorn workers) parse the environment themselves: hand them the same database.
    assert settings.database_url
    os.environ["DATABASE_URL"] = settings.database_url
    return settings


def cmd_db(args: argparse.Namespace) -> int:
    from entrypoints import database

    settings = _settings_with_database()
    assert settings.database_url
    if args.action == "upgrade":
        database.upgrade(settings.database_url, args.revision or "head")
    elif args.action == "downgrade":
        database.downgrade(settings.database_url, args.revision or "-1")
    elif args.action == "check":
        database.check(settings.database_url)
        print("models and migrations agree")
    elif args.action == "url":
        print(settings.database_url)
    return 0


def cmd_seed(_: argparse.Namespace) -> int:
    from entrypoints.seed import seed_demo

    settings = _settings_with_database()
    login = asyncio.run(seed_demo(settings))
    state = "created" if login.created else "already there"
    print(f"demo data {state}: log in as {login.email} / {login.password} (organization '{login.organization_slug}')")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings_with_database()
    uvicorn.run(
        "entrypoints.asgi:app_factory",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers,
        log_config=None,
        access_log=False,  # our middleware logs requests, without query strings (tokens)
        ws_per_message_deflate=False,  # doubles CPU per socket for little gain on small frames
        ws_max_size=64 * 1024,  # the protocol refuses (1009) bigger frames before they are buffered; /ws wants 8 KiB
        proxy_headers=False,
    )
    return 0


def cmd_dev(args: argparse.Namespace) -> int:
    """Migrate, seed and serve: what `make run` does."""
    from entrypoints import database

    settings = _settings_with_database()
    assert settings.database_url
    database.upgrade(settings.database_url)
    cmd_seed(args)
    print(f"serving on http://{args.host or settings.host}:{args.port or settings.port} (docs at /schema)")
    return cmd_serve(args)


def cmd_admin(args: argparse.Namespace) -> int:
    """Grant or revoke the platform_admin flag: only someone who runs the deployment can."""
    from entrypoints.platform_admin import set_platform_admin

    settings = _settings_with_database()
    ok, message = asyncio.run(set_platform_admin(settings, args.email, platform_admin=args.action == "grant"))
    print(message, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chapterhouse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    for name, handler, help_text in (
        ("serve", cmd_serve, "run the API (HTTP and WebSocket)"),
        ("dev", cmd_dev, "migrate, load demo data and serve"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--host")
        p.add_argument("--port", type=int)
        p.add_argument("--workers", type=int, default=1)
        p.set_defaults(handler=handler)

    db = sub.add_parser("db", help="schema migrations")
    db.add_argument("action", choices=["upgrade", "downgrade", "check", "url"])
    db.add_argument("revision", nargs="?")
    db.set_defaults(handler=cmd_db)

    admin = sub.add_parser("admin", help="platform operators: grant or revoke the platform_admin flag")
    admin.add_argument("action", choices=["grant", "revoke"])
    admin.add_argument("email")
    admin.set_defaults(handler=cmd_admin)

    seed = sub.add_parser("seed", help="load demo data (idempotent)")
    seed.set_defaults(handler=cmd_seed)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
