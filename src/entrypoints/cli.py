"""`chapterhouse`: one CLI for every process kind (API, worker, scheduler) and for operations."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from entrypoints.dev_commands import add_dev_commands, tour
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
    else:
        from alembic import command

        config = database.alembic_config(settings.database_url)
        config.stdout = sys.stdout  # alembic's default is the stdout of when it was imported
        if args.action == "history":
            command.history(config, verbose=args.verbose)
        elif args.action == "current":
            command.current(config, verbose=args.verbose)
        elif not args.message:
            print("usage: chapterhouse db revision -m MESSAGE [--autogenerate]", file=sys.stderr)
            return 2
        else:
            command.revision(config, message=args.message, autogenerate=args.autogenerate)
    return 0


def cmd_seed(_: argparse.Namespace) -> int:
    import structlog

    from entrypoints.seed import seed_demo

    settings = _settings_with_database()
    with structlog.testing.capture_logs():  # the demo's own API calls are not news: keep their request lines out
        login = asyncio.run(seed_demo(settings))
    state = "created" if login.created else "already there"
    print(f"demo data {state}: log in as {login.email} / {login.password} (organization '{login.organization_slug}')")
    print(tour(settings.public_url, login.email, login.password))
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
    from entrypoints import database, dev_stripe

    settings = _settings_with_database()
    assert settings.database_url
    if args.port and not os.environ.get("PUBLIC_URL"):
        # Links in emails and the local Stripe's webhooks must reach this server, on the port asked for.
        os.environ["PUBLIC_URL"] = f"http://127.0.0.1:{args.port}"
        settings = replace(settings, public_url=os.environ["PUBLIC_URL"])
    local_stripe = dev_stripe.LocalStripe(settings) if dev_stripe.wants_local_stripe(settings) else None
    assert settings.database_url  # the embedded server or DATABASE_URL, set above
    database.upgrade(settings.database_url)
    cmd_seed(args)  # the seed places no paid order: it needs no Stripe
    if local_stripe is not None:
        # The server process reads STRIPE_API_BASE when uvicorn calls the factory.
        os.environ["STRIPE_API_BASE"] = local_stripe.ready()
        print(f"payments: local Stripe at {os.environ['STRIPE_API_BASE']} (pay an order: chapterhouse dev pay ID)")
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
    configure_logging(settings.log_level, log_format=settings.log_format)
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
    configure_logging(settings.log_level, log_format=settings.log_format)
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


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chapterhouse")
    except PackageNotFoundError:  # run from a checkout without installing
        return "unknown"


class _DefaultsFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default; those read from the environment say which variable."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default not in (None, False, argparse.SUPPRESS) and "%(default)" not in text:
            text += " (default: %(default)s)"
        return text


def build_parser() -> argparse.ArgumentParser:
    formatter = _DefaultsFormatter
    parser = argparse.ArgumentParser(prog="chapterhouse", description=__doc__, formatter_class=formatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, formatter_class=formatter)

    for name, handler, help_text in (
        ("serve", cmd_serve, "run the API (HTTP and WebSocket)"),
        ("dev", cmd_dev, "migrate, load demo data and serve (a local Stripe unless STRIPE_API_BASE is set)"),
    ):
        p = add(name, help_text)
        p.add_argument("--host", help="interface to listen on (default: HOST, else 127.0.0.1)")
        p.add_argument("--port", type=int, help="port to listen on (default: PORT, else 8000)")
        p.add_argument("--workers", type=int, default=1, help="server processes")
        p.set_defaults(handler=handler)
    add_dev_commands(p, formatter)  # `dev pay ...`

    db = add("db", "schema migrations (alembic); `db distribute` spreads the schema over a Citus cluster")
    db.add_argument(
        "action", choices=["upgrade", "downgrade", "check", "url", "history", "current", "revision", "distribute"]
    )
    db.add_argument("revision", nargs="?", help="target of upgrade (default head) or downgrade (default -1)")
    db.add_argument("-m", "--message", help="revision: the new migration's title")
    db.add_argument("--autogenerate", action="store_true", help="revision: diff the models against the database")
    db.add_argument("-v", "--verbose", action="store_true", help="history/current: show every detail")
    db.set_defaults(handler=cmd_db)

    admin = add("admin", "platform operators: grant or revoke the platform_admin flag")
    admin.add_argument("action", choices=["grant", "revoke"])
    admin.add_argument("email", help="the user's email")
    admin.set_defaults(handler=cmd_admin)

    worker = add("worker", "run background jobs (taskiq worker) and the outbox relay")
    worker.add_argument("--concurrency", type=int, default=50, help="jobs run at once")
    worker.add_argument("--no-relay", action="store_true", help="do not relay the outbox from this process")
    worker.set_defaults(handler=cmd_worker)

    scheduler = add("scheduler", "kick scheduled jobs (run exactly one)")
    scheduler.set_defaults(handler=cmd_scheduler)

    jobs = add("jobs", "dead letters: `jobs dead` lists them, `jobs replay ID` re-queues one")
    jobs.add_argument("action", choices=["dead", "replay"])
    jobs.add_argument("id", nargs="?", help="replay: the dead letter's id")
    jobs.add_argument("--all", action="store_true", help="include replayed letters")
    jobs.set_defaults(handler=cmd_jobs)

    seed = add("seed", "load demo data (idempotent)")
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
