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
    elif args.action == "distribute":
        from entrypoints.distribute import run

        return run(settings.database_url)
    return 0


def cmd_seed(_: argparse.Namespace) -> int:
    from entrypoints.seed import seed_demo

    settings = _settings_with_database()
    login = asyncio.run(seed_demo(settings))
    state = "created" if login.created else "already there"
    print(f"demo data {state}: log in as {login.email} / {login.password} (organization '{login.organization_slug}')")
    return 0


def _check_pool_budget(settings: Settings) -> None:
    from entrypoints.database import check_pool_budget

    asyncio.run(check_pool_budget(settings))  # SettingsError (exit 2) when the pools would not fit


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = _settings_with_database()
    _check_pool_budget(settings)
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


def cmd_worker(args: argparse.Namespace) -> int:
    """The taskiq worker with the outbox relay and the mover of due retries."""
    from entrypoints.jobs import run_worker
    from entrypoints.logging_setup import configure_logging

    settings = _settings_with_database()
    configure_logging(settings.log_level)
    if not settings.redis_url:
        print("the worker needs REDIS_URL (without it, `chapterhouse dev` runs jobs in process)", file=sys.stderr)
        return 2
    _check_pool_budget(settings)
    asyncio.run(run_worker(settings, concurrency=args.concurrency, relay=not args.no_relay))
    return 0


def cmd_scheduler(_: argparse.Namespace) -> int:
    from entrypoints.jobs import run_scheduler
    from entrypoints.logging_setup import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_level)
    if not settings.redis_url:
        print(
            "the scheduler needs REDIS_URL (without it, `chapterhouse dev` runs the schedule in process)",
            file=sys.stderr,
        )
        return 2
    asyncio.run(run_scheduler(settings))
    return 0


def cmd_jobs(args: argparse.Namespace) -> int:
    """Dead letters: list them, or re-queue one with a fresh retry budget."""
    import uuid

    from domain.errors import NotFound
    from entrypoints import jobs

    settings = _settings_with_database()
    if args.action == "dead":
        letters = asyncio.run(jobs.list_dead_letters(settings, include_replayed=args.all))
        for letter in letters:
            state = f"replayed {letter.replayed_at:%Y-%m-%d %H:%M:%S}" if letter.replayed_at else "dead"
            last_line = letter.error.strip().splitlines()[-1] if letter.error.strip() else ""
            print(
                f"{letter.id}  {letter.failed_at:%Y-%m-%d %H:%M:%S}  {letter.task_name}  "
                f"attempts={letter.attempts}  {state}  {last_line}"
            )
        print(f"{len(letters)} dead letter(s)")
        return 0
    if not args.id:
        print("usage: chapterhouse jobs replay ID", file=sys.stderr)
        return 2
    try:
        letter = asyncio.run(jobs.replay_dead_letter(settings, uuid.UUID(args.id)))
    except (ValueError, NotFound) as error:
        print(f"cannot replay {args.id}: {error}", file=sys.stderr)
        return 1
    print(f"re-queued {letter.task_name} ({letter.id})")
    return 0


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

    db = sub.add_parser("db", help="schema migrations; `db distribute` spreads the schema over a Citus cluster")
    db.add_argument("action", choices=["upgrade", "downgrade", "check", "url", "distribute"])
    db.add_argument("revision", nargs="?")
    db.set_defaults(handler=cmd_db)

    admin = sub.add_parser("admin", help="platform operators: grant or revoke the platform_admin flag")
    admin.add_argument("action", choices=["grant", "revoke"])
    admin.add_argument("email")
    admin.set_defaults(handler=cmd_admin)

    worker = sub.add_parser("worker", help="run background jobs (taskiq worker) and the outbox relay")
    worker.add_argument("--concurrency", type=int, default=50, help="jobs run at once")
    worker.add_argument("--no-relay", action="store_true", help="do not relay the outbox from this process")
    worker.set_defaults(handler=cmd_worker)

    scheduler = sub.add_parser("scheduler", help="kick scheduled jobs (run exactly one)")
    scheduler.set_defaults(handler=cmd_scheduler)

    jobs = sub.add_parser("jobs", help="dead letters: `jobs dead` lists them, `jobs replay ID` re-queues one")
    jobs.add_argument("action", choices=["dead", "replay"])
    jobs.add_argument("id", nargs="?")
    jobs.add_argument("--all", action="store_true", help="include replayed letters")
    jobs.set_defaults(handler=cmd_jobs)

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
