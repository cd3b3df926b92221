"""Every use case of the product, registered by its class: dishka builds each from its constructor's types."""

from __future__ import annotations

from dishka import Provider, Scope, provide_all

from application.access_changes import FindAccessChanges
from application.accounts import (
    ChangePassword,
    ConfirmEmailVerification,
    ConfirmPasswordReset,
    RequestPasswordReset,
    ResendEmailVerification,
    SendAccountEmail,
    UpdateProfile,
)
from application.announcements import DeliverAnnouncementBatch, FanOutAnnouncement, PostAnnouncement
from application.audit import ListAuditLog
from application.billing import ChangeSubscription, Entitlements, GetSubscription, ListPlans
from application.chat import (
    AddChannelMember,
    ChannelGate,
    CheckChannelAccess,
    CreateChannel,
    FindInvalidTokens,
    GetChannel,
    ListChannels,
    ListMessages,
    PostMessage,
    SubscribeToChannel,
)
from application.communications import SendInvitationEmail, SendOrderConfirmation
from application.community import (
    AddChapterMember,
    AddTeamMember,
    CreateChapter,
    CreateTeam,
    DeleteChapter,
    DeleteTeam,
    GetChapter,
    GetTeam,
    ListChapterMembers,
    ListChapters,
    ListTeamMembers,
    ListTeams,
    RemoveTeamMember,
    RenameTeam,
    UpdateChapter,
)
from application.identity import GetMe, LogIn, LogOut, RegisterUser
from application.invitations import AcceptInvitation, InviteMember
from application.member_list import ListMembersByToken
from application.notifications import (
    DeliverNotifications,
    ListMyNotifications,
    MarkNotificationRead,
    ResumeNotifications,
)
from application.organization_deletion import DeleteOrganization, PurgeDeletedOrganizations, RestoreOrganization
from application.organizations import (
    ChangeMemberRole,
    CreateOrganization,
    GetOrganization,
    ListMembers,
    ListMyOrganizations,
    RemoveMember,
    RenameOrganization,
)
from application.outbox import (
    DispatchEvent,
    ListDeadLetters,
    MeasureOutboxLag,
    RelayOutbox,
    ReplayDeadLetter,
)
from application.platform_admin import (
    ListOrganizationsForAdmin,
    ReactivateOrganization,
    SetPlatformAdmin,
    SuspendOrganization,
)
from application.public_events import GetPublicCalendar, GetPublicEvent, GetPublicOrganization, ListPublicEvents
from application.reports import DownloadReport, GenerateReport, GetReport, RequestReport
from application.scheduled import PurgeExpiredInvitations, SendEventReminders
from application.ticket_payments import OrderPayments
from application.ticketing import (
    CancelEvent,
    CancelOrder,
    CheckIn,
    CreateEvent,
    CreateTicketType,
    EndFinishedEvents,
    ExpirePendingOrders,
    GetEvent,
    GetOrder,
    ListAttendees,
    ListEvents,
    ListMyTickets,
    ListTicketTypes,
    PlaceOrder,
    PublishEvent,
    RefundOrder,
    UpdateEvent,
)
from application.ticketing.public_orders import CancelMyOrder, GetMyOrder, ListMyOrders, PlacePublicOrder
from application.webhooks import ProcessStripeWebhook

USE_CASES = (
    # identity and organizations
    RegisterUser, LogIn, LogOut, GetMe,
    UpdateProfile, ChangePassword, RequestPasswordReset, ConfirmPasswordReset,
    ConfirmEmailVerification, ResendEmailVerification, SendAccountEmail,
    CreateOrganization, GetOrganization, RenameOrganization, ListMyOrganizations,
    ListMembers, ListMembersByToken, ChangeMemberRole, RemoveMember, InviteMember, AcceptInvitation,
    DeleteOrganization, RestoreOrganization, PurgeDeletedOrganizations,
    # billing and the platform admin
    Entitlements, ListPlans, GetSubscription, ChangeSubscription, ProcessStripeWebhook,
    SetPlatformAdmin, ListOrganizationsForAdmin, SuspendOrganization, ReactivateOrganization,
    # chapters and teams
    CreateChapter, GetChapter, UpdateChapter, DeleteChapter, ListChapters, AddChapterMember, ListChapterMembers,
    CreateTeam, GetTeam, RenameTeam, DeleteTeam, ListTeams, AddTeamMember, RemoveTeamMember, ListTeamMembers,
    # events and ticketing
    CreateEvent, GetEvent, UpdateEvent, PublishEvent, CancelEvent, ListEvents, CreateTicketType, ListTicketTypes,
    OrderPayments, PlaceOrder, GetOrder, CancelOrder, RefundOrder, ExpirePendingOrders, EndFinishedEvents,
    ListAttendees, CheckIn, ListMyTickets, ListAuditLog,
    # the public side
    GetPublicOrganization, ListPublicEvents, GetPublicEvent, GetPublicCalendar,
    PlacePublicOrder, ListMyOrders, GetMyOrder, CancelMyOrder,
    # background work, communications, reports, schedules
    RelayOutbox, MeasureOutboxLag, DispatchEvent, ListDeadLetters, ReplayDeadLetter,
    SendInvitationEmail, SendOrderConfirmation, RequestReport, GetReport, DownloadReport, GenerateReport,
    SendEventReminders, PurgeExpiredInvitations, PostAnnouncement, FanOutAnnouncement, DeliverAnnouncementBatch,
    # chat, notifications, real time
    CreateChannel, ListChannels, GetChannel, AddChannelMember, PostMessage, ListMessages, ChannelGate,
    FindInvalidTokens, FindAccessChanges, SubscribeToChannel, CheckChannelAccess,
    DeliverNotifications, ListMyNotifications, MarkNotificationRead, ResumeNotifications,
)  # fmt: skip


class UseCases(Provider):
    scope = Scope.REQUEST

    use_cases = provide_all(*USE_CASES)
