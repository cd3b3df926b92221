"""Announcements over HTTP: 202 at once; emails and notifications go out in the background."""

from __future__ import annotations

from dishka.integrations.litestar import FromDishka
from litestar import Controller, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from adapters.http.communications.schemas import AnnouncementAcceptedOut, AnnouncementBody
from application.announcements import PostAnnouncement, PostAnnouncementCommand
from domain.announcements import Audience
from domain.permissions import Actor


class AnnouncementController(Controller):
    path = "/api/orgs/{org_id:uuid}/announcements"
    tags = ["communications"]

    @post(
        "",
        status_code=HTTP_202_ACCEPTED,
        summary="Announce to the organization, a chapter, a team or an event's ticket holders "
        "(admins; a chapter's leads for their chapter, its teams and events)",
    )
    async def announce(
        self, data: JSONBody[AnnouncementBody], actor: FromDishka[Actor], use_case: FromDishka[PostAnnouncement]
    ) -> AnnouncementAcceptedOut:
        command = PostAnnouncementCommand(
            audience=Audience(data.audience), target_id=data.target_id, subject=data.subject, body=data.body
        )
        accepted = await use_case.execute(actor, command)
        return AnnouncementAcceptedOut(id=accepted.id, audience=accepted.audience, target_id=accepted.target_id)
