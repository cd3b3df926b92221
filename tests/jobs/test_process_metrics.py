"""Operations: job runs counted and timed at /metrics, failures by what became of them, job ids in log lines."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import re
import sys
import uuid
from collections.abc import Iterator

import httpx
import pytest
import structlog
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families
from scripts import services

from adapters.queue.tasks import DISPATCH_EVENT
from entrypoints.app import create_app
from entrypoints.jobs import JobRunner, serve_worker_metrics
from entrypoints.logging_setup import configure_logging
from entrypoints.settings import Settings, SettingsError
from tests.fixtures.api import register
from tests.fixtures.jobs import SmtpSink, eventually


def sample(metrics: str, name: str, **labels: str) -> float:
    """The value of one sample in a /metrics text (0 when the labelled child does not exist yet)."""
    for family in text_string_to_metric_families(metrics):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return 0.0


def job_count(metrics: str, task_name: str, outcome: str) -> float:
    return sample(metrics, "chapterhouse_jobs_total", task_name=task_name, outcome=outcome)


def duration_count(metrics: str, task_name: str) -> float:
    return sample(metrics, "chapterhouse_job_duration_seconds_count", task_name=task_name)


@pytest.fixture
def json_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The production log set-up (JSON lines on stdout), with stdout a buffer; the previous set-up restored after."""
    buffer = io.StringIO()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_structlog = structlog.get_config()
    monkeypatch.setattr(sys, "stdout", buffer)
    configure_logging("INFO")
    yield buffer
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    structlog.configure(**saved_structlog)


async def test_a_job_run_is_counted_timed_and_logged_with_its_job_id(
    job_settings: Settings, smtp_sink: tuple[SmtpSink, int], json_logs: io.StringIO
) -> None:
    sink, _ = smtp_sink
    async with AsyncTestClient(app=create_app(job_settings)) as client:
        metrics = (await client.get("/metrics")).text
        successes_before = job_count(metrics, DISPATCH_EVENT, "success")
        timed_before = duration_count(metrics, DISPATCH_EVENT)

        admin = await register(client)
        org = await admin.create_org()
        invitee = f"metrics-{uuid.uuid4().hex[:8]}@example.com"
        response = await client.post(
            f"/api/orgs/{org['id']}/invitations", json={"email": invitee, "role": "member"}, headers=admin.headers
        )
        assert response.status_code == 201
        async with JobRunner(job_settings).running():
            await eventually(lambda: len(sink.to(invitee)) == 1, what="the invitation email")

            async def counted() -> bool:
                text = (await client.get("/metrics")).text
                return job_count(text, DISPATCH_EVENT, "success") > successes_before

            await eventually(counted, what="the job's success at /metrics")
        metrics = (await client.get("/metrics")).text
        assert duration_count(metrics, DISPATCH_EVENT) > timed_before

    lines = [json.loads(line) for line in json_logs.getvalue().splitlines() if line.startswith("{")]
    job_lines = [line for line in lines if line.get("task_name") == DISPATCH_EVENT]
    assert job_lines, "no log line of the job carries its task name"
    assert all(re.fullmatch(r"[0-9a-f]{32}|[0-9a-f-]{36}", line["job_id"]) for line in job_lines)
    # taskiq's own line at the start of the run names the job it runs: the ids agree.
    assert any(line["event"] == f"Executing task {DISPATCH_EVENT} with ID: {line['job_id']}" for line in job_lines)


async def test_failed_runs_are_counted_as_retried_then_dead_lettered(job_settings: Settings) -> None:
    settings = dataclasses.replace(job_settings, smtp_url=f"smtp://127.0.0.1:{services.free_port()}")  # refuses
    async with AsyncTestClient(app=create_app(settings)) as client:
        metrics = (await client.get("/metrics")).text
        before = {o: job_count(metrics, DISPATCH_EVENT, o) for o in ("failure", "retried", "dead_lettered")}
        admin = await register(client)
        org = await admin.create_org()
        response = await client.post(
            f"/api/orgs/{org['id']}/invitations",
            json={"email": f"never-{uuid.uuid4().hex[:8]}@example.com", "role": "member"},
            headers=admin.headers,
        )
        assert response.status_code == 201

        async with JobRunner(settings).running():

            async def dead_lettered() -> bool:
                text = (await client.get("/metrics")).text
                return job_count(text, DISPATCH_EVENT, "dead_lettered") >= before["dead_lettered"] + 2

            await eventually(dead_lettered, what="the dead letter at /metrics")
        metrics = (await client.get("/metrics")).text

    # Two emails fail: the admin's verification link (sign-up) and the invitation.
    retries = settings.job_max_attempts - 1
    assert job_count(metrics, DISPATCH_EVENT, "retried") - before["retried"] == 2 * retries
    assert job_count(metrics, DISPATCH_EVENT, "dead_lettered") - before["dead_lettered"] == 2
    assert job_count(metrics, DISPATCH_EVENT, "failure") - before["failure"] == 2 * settings.job_max_attempts


def test_the_worker_serves_its_metrics_only_when_a_port_is_set(settings: Settings) -> None:
    assert serve_worker_metrics(settings)() is None  # off by default: nothing to stop
    port = services.free_port()
    stop = serve_worker_metrics(dataclasses.replace(settings, worker_metrics_port=port))
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    finally:
        stop()
    assert "# TYPE chapterhouse_jobs_total counter" in text
    assert "# TYPE chapterhouse_outbox_unpublished gauge" in text


def test_worker_metrics_port_is_read_from_the_environment() -> None:
    assert Settings.from_env({}).worker_metrics_port is None
    assert Settings.from_env({"WORKER_METRICS_PORT": "9102"}).worker_metrics_port == 9102
    with pytest.raises(SettingsError):
        Settings.from_env({"WORKER_METRICS_PORT": "70000"})
