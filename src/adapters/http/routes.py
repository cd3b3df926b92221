"""Every HTTP route handler of the API, so the app factory imports one list (two: sign-up and log-in are
rate limited on their own router). The WebSocket route is adapters/realtime's (adapter packages stay
independent); /health and /ready are built with their checks (operations.controllers.operations_handlers)."""

from __future__ import annotations

from typing import Any

from adapters.http.admin.controllers import PlatformAdminController
from adapters.http.billing.controllers import PlanController, StripeWebhookController, SubscriptionController
from adapters.http.chat.controllers import ChannelController, NotificationController
from adapters.http.communications.controllers import AnnouncementController
from adapters.http.community.controllers import ChapterController, TeamController
from adapters.http.identity.controllers import AuthController, MeController
from adapters.http.organizations.controllers import AuditLogController, InvitationController, OrganizationController
from adapters.http.organizations.deletion import OrganizationDeletionController
from adapters.http.public.controllers import PublicController
from adapters.http.public.orders import MyOrdersController, PublicOrderController
from adapters.http.reports.controllers import ReportController
from adapters.http.ticketing.controllers import EventController, MyTicketsController, OrderController

RATE_LIMITED_ROUTE_HANDLERS: list[Any] = [AuthController]

ROUTE_HANDLERS: list[Any] = [
    MeController,
    OrganizationController,
    OrganizationDeletionController,
    InvitationController,
    PlanController,
    SubscriptionController,
    StripeWebhookController,
    PlatformAdminController,
    ChapterController,
    TeamController,
    EventController,
    OrderController,
    MyTicketsController,
    AuditLogController,
    ReportController,
    AnnouncementController,
    ChannelController,
    NotificationController,
    PublicController,
    PublicOrderController,
    MyOrdersController,
]
