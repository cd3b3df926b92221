"""Schemathesis over the app's own OpenAPI document, against a real server process on real PostgreSQL.

Authenticated as a member of one organization that has data, with a second organization beside it:
no 5xx, no response that breaks its documented schema, and no response that carries any id of the
other organization. FUZZ_EXAMPLES sets the depth (CI default 10 per operation; `make fuzz` goes deeper).
"""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.fixtures.server_process import running_server

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))


def _call(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    request = urllib.request.Request(
        f"{base}{path}",
        method=method,
        data=json.dumps(body).encode() if body else None,
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
        return json.loads(raw) if raw else None


def _user(base: str, name: str) -> tuple[str, str]:
    email = f"{name}-{os.urandom(4).hex()}@example.com"
    user = _call(base, "POST", "/api/auth/register", {"email": email, "password": "fuzz-password-1", "name": name})
    token = _call(base, "POST", "/api/auth/login", {"email": email, "password": "fuzz-password-1"})["access_token"]
    return user["id"], token


@pytest.fixture(scope="module")
def fuzz_target(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    log_dir = tmp_path_factory.mktemp("fuzz")
    with running_server(database_url, log_dir=log_dir) as base:
        _, owner_token = _user(base, "owner")
        mine = _call(base, "POST", "/api/orgs", {"name": "Mine", "slug": f"mine-{os.urandom(4).hex()}"}, owner_token)
        # Deletion and restore run on an organization of their own: "Mine" must stay active for the others.
        doomed = _call(base, "POST", "/api/orgs", {"name": "Doomed", "slug": f"dd-{os.urandom(4).hex()}"}, owner_token)
        _, their_token = _user(base, "them")
        theirs = _call(base, "POST", "/api/orgs", {"name": "Theirs", "slug": f"th-{os.urandom(4).hex()}"}, their_token)
        foreign_ids = {theirs["id"]}
        members = _call(base, "GET", f"/api/orgs/{theirs['id']}/members", token=their_token)
        foreign_ids |= {m["user_id"] for m in members["items"]}
        yield {
            "base": base,
            "token": owner_token,
            "org_id": mine["id"],
            "slug": mine["slug"],
            "doomed_org_id": doomed["id"],
            "foreign_ids": foreign_ids,
            "log_dir": log_dir,
        }


DELETION_ROUTES = {("DELETE", "/api/orgs/{org_id}"), ("POST", "/api/orgs/{org_id}/restore")}


def _check_operation(operation: Any, target: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {target['token']}"}
    deletion = (operation.method.upper(), operation.path) in DELETION_ROUTES

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
    )
    def run(case: Any) -> None:
        if case.path_parameters and "org_id" in case.path_parameters:
            # Random org ids only ever meet a 404.
            case.path_parameters["org_id"] = target["doomed_org_id" if deletion else "org_id"]
        if case.path_parameters and "slug" in case.path_parameters:
            case.path_parameters["slug"] = target["slug"]  # the public side of my organization
        response = case.call(base_url=target["base"], headers=headers)
        target["calls"] = target.get("calls", 0) + 1
        target.setdefault("statuses", set()).add(response.status_code)
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        leaked = [i for i in target["foreign_ids"] if i in response.text]
        assert leaked == [], f"{case.method} {case.formatted_path} returned another organization's ids"

    run()


def test_no_server_error_no_schema_violation_no_foreign_ids(fuzz_target: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_url(f"{fuzz_target['base']}/schema/openapi.json")
    failures: list[str] = []
    tried = 0
    seen: set[tuple[str, str]] = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/auth/logout":
            continue  # would revoke the token every other case runs with
        tried += 1
        seen.add((operation.method.upper(), operation.path))
        try:
            _check_operation(operation, fuzz_target)
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:800]}")
    assert tried >= 10
    assert seen >= DELETION_ROUTES, seen
    assert fuzz_target["calls"] >= tried * 2, fuzz_target["calls"]
    assert any(200 <= code < 300 for code in fuzz_target["statuses"]), fuzz_target["statuses"]
    assert failures == [], "\n\n".join(failures)
