"""Reports over HTTP: request (202, a job writes the CSV), status, and the admins-only download."""

from __future__ import annotations

import uuid
from dataclasses import asdict

from dishka.integrations.litestar import FromDishka
from litestar import Controller, get, post
from litestar.params import JSONBody
from litestar.response import Stream
from litestar.status_codes import HTTP_202_ACCEPTED

from adapters.http.reports.schemas import ReportAccepted, ReportBody, ReportOut
from adapters.http.schema_kit import Id, to_struct
from application.reports import DownloadReport, GetReport, ReportView, RequestReport, RequestReportCommand
from domain.permissions import Actor
from domain.reports import ReportKind


def _out(org_id: uuid.UUID, view: ReportView) -> ReportOut:
    url = f"/api/orgs/{org_id}/reports/{view.id}/download" if view.status == "ready" else None
    return to_struct({**asdict(view), "download_url": url}, ReportOut)


class ReportController(Controller):
    path = "/api/orgs/{org_id:uuid}/reports"
    tags = ["reports"]

    @post("", status_code=HTTP_202_ACCEPTED, summary="Request a CSV report (admins); a job writes it")
    async def request_report(
        self, data: JSONBody[ReportBody], actor: FromDishka[Actor], use_case: FromDishka[RequestReport]
    ) -> ReportAccepted:
        view = await use_case.execute(actor, RequestReportCommand(kind=ReportKind(data.kind), event_id=data.event_id))
        return ReportAccepted(report_id=view.id, status=view.status)

    @get("/{report_id:uuid}", summary="A report's status and, once ready, its download URL (admins)")
    async def read(
        self, org_id: Id, report_id: Id, actor: FromDishka[Actor], use_case: FromDishka[GetReport]
    ) -> ReportOut:
        return _out(org_id, await use_case.execute(actor, report_id))

    @get(
        "/{report_id:uuid}/download",
        summary="The CSV (admins of this organization only)",
        response_description="text/csv",
    )
    async def download(self, report_id: Id, actor: FromDishka[Actor], use_case: FromDishka[DownloadReport]) -> Stream:
        result = await use_case.execute(actor, report_id)
        return Stream(
            result.chunks,
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{result.filename}"',
                "Cache-Control": "no-store",  # members' addresses: no shared caches
            },
        )
