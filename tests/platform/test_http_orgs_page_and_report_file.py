"""GET /api/orgs honours limit and cursor; a report whose file is gone is a 404 before any byte is sent."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from application.ports.reports import FileStore
from tests.fixtures.api import register
from tests.fixtures.jobs import run_outbox


async def test_my_organizations_come_in_pages(memory_client: AsyncTestClient[Litestar]) -> None:
    user = await register(memory_client)
    created = [(await user.create_org(f"Org {n}"))["id"] for n in range(5)]
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await memory_client.get("/api/orgs", params=params, headers=user.headers)
        assert page.status_code == 200, page.text
        assert len(page.json()["items"]) <= 2
        seen += [org["id"] for org in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(created) and len(seen) == 5
    for bad in ({"limit": -1}, {"limit": 0}, {"limit": 101}, {"cursor": "not-a-cursor"}):
        answer = await memory_client.get("/api/orgs", params=bad, headers=user.headers)
        assert answer.status_code in (400, 422), (bad, answer.text)


async def test_a_missing_report_file_is_a_404_before_the_stream(memory_client: AsyncTestClient[Litestar]) -> None:
    admin = await register(memory_client)
    org = await admin.create_org()
    requested = await memory_client.post(
        f"/api/orgs/{org['id']}/reports", json={"kind": "members"}, headers=admin.headers
    )
    await run_outbox(memory_client.app)
    status = await memory_client.get(
        f"/api/orgs/{org['id']}/reports/{requested.json()['report_id']}", headers=admin.headers
    )
    assert status.json()["status"] == "ready", status.text
    files = await memory_client.app.state.dishka_container.get(FileStore)
    for key in list(files.files):  # the file is gone (a disk lost, a purge): the row still says ready
        await files.delete(key)
    download = await memory_client.get(status.json()["download_url"], headers=admin.headers)
    assert download.status_code == 404, download.text
