"""`chapterhouse dev pay ...`: what a paying client and Stripe would do, against the local Stripe of `dev`."""

from __future__ import annotations

import argparse
import sys


def cmd_dev_pay(args: argparse.Namespace) -> int:
    from entrypoints.dev_stripe import pay
    from entrypoints.settings import Settings

    try:
        status = pay(Settings.from_env(), args.reference)
    except (LookupError, OSError) as error:
        print(f"cannot pay {args.reference}: {error}", file=sys.stderr)
        return 1
    print(f"payment {status}; the local Stripe now posts payment_intent.succeeded to the API (order becomes paid)")
    return 0


def tour(public_url: str, email: str, password: str) -> str:
    """What to try once the demo is up: printed by `chapterhouse seed` and `make run`."""
    from entrypoints.demo import MEMBER_EMAIL, MEMBER_PASSWORD

    login = f"curl -s {public_url}/api/auth/login -H 'content-type: application/json' "
    return "\n".join(
        [
            "try:",
            f"  docs         {public_url}/schema (Swagger UI), "
            f"{public_url}/schema/asyncapi.json (WebSocket)",
            f"  log in       {login}-d '{{\"email\": \"{email}\", \"password\": \"{password}\"}}'",
            f"  second user  {MEMBER_EMAIL} / {MEMBER_PASSWORD} (a member, in the channel 'general')",
            f"  then         curl -s {public_url}/api/orgs -H \"authorization: Bearer $TOKEN\"   "
            "# the events, chapters and channels are under /api/orgs/ORG_ID/...",
            "  pay an order chapterhouse dev pay ORDER_ID   (test card on the local Stripe; see docs/development.md)",
        ]
    )


def add_dev_commands(dev: argparse.ArgumentParser, formatter: type[argparse.HelpFormatter]) -> None:
    actions = dev.add_subparsers(dest="dev_action", metavar="ACTION")
    pay = actions.add_parser(
        "pay",
        help="pay a pending order with a test card on the local Stripe",
        description="pay a pending order with a test card on the local Stripe",
        formatter_class=formatter,
    )
    pay.add_argument("reference", help="the order id, its PaymentIntent id or its client secret")
    pay.set_defaults(handler=cmd_dev_pay)
