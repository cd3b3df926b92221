"""The permission matrix, read as a table: one row per (role, permission), the expected answer beside it."""

import pytest

from domain.permissions import PERMISSION_MATRIX, Permission, Role, role_allows

P = Permission
EXPECTED = {
    #                      owner  admin  billing member check_in buyer
    P.ORG_READ:           (True,  True,  True,   True,  True, False),
    P.ORG_UPDATE:         (True,  True,  False,  False, False, False),
    P.MEMBERS_READ:       (True,  True,  True,   True,  True, False),
    P.MEMBERS_MANAGE:     (True,  True,  False,  False, False, False),
    P.MEMBERS_INVITE:     (True,  True,  False,  False, False, False),
    P.OWNERSHIP_MANAGE:   (True,  False, False,  False, False, False),
    P.BILLING_READ:       (True,  True,  True,   False, False, False),
    P.BILLING_MANAGE:     (True,  False, True,   False, False, False),
    P.AUDIT_READ:         (True,  True,  False,  False, False, False),
    P.CHAPTERS_MANAGE:    (True,  True,  False,  False, False, False),
    P.CHAPTER_MEMBERS_MANAGE: (True, True, False, False, False, False),
    P.TEAMS_MANAGE:       (True,  True,  False,  False, False, False),
    P.EVENTS_READ:        (True,  True,  True,   True,  True, False),
    P.EVENTS_MANAGE:      (True,  True,  False,  False, False, False),
    P.ORDERS_PLACE:       (True,  True,  True,   True,  False, True),
    P.ORDERS_MANAGE:      (True,  True,  False,  False, False, False),
    P.ATTENDEES_READ:     (True,  True,  False,  False, False, False),
    P.TICKETS_CHECK_IN:   (True,  True,  False,  False, True, False),
    P.CHANNELS_MANAGE:    (True,  True,  False,  False, False, False),
    P.ORG_DELETE:         (True,  False, False,  False, False, False),
}  # fmt: skip
ROLES = (Role.OWNER, Role.ADMIN, Role.BILLING_MANAGER, Role.MEMBER, Role.CHECK_IN_STAFF, Role.BUYER)


@pytest.mark.parametrize(("permission", "role"), [(p, r) for p in EXPECTED for r in ROLES])
def test_matrix(permission: Permission, role: Role) -> None:
    assert role_allows(role, permission) is EXPECTED[permission][ROLES.index(role)]


def test_every_permission_and_role_is_in_the_table() -> None:
    assert set(EXPECTED) == set(Permission)
    assert set(PERMISSION_MATRIX) == set(Role) == set(ROLES)
