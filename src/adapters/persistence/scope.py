"""The tenant scope of a transaction, in the one form that reaches every node.

`app_scope(organization, user)` (a migration-managed function) runs `SET LOCAL app.organization_id` and
`SET LOCAL app.user_id` through EXECUTE: transaction-local, so nothing survives COMMIT or ROLLBACK and a
pooled connection (or a PgBouncer server connection in transaction mode) can go to any client next; and,
unlike `set_config()`, a SET that Citus forwards to the workers holding the shards. Values are bound
parameters typed uuid, so no text is ever spliced into SQL.
"""

from __future__ import annotations

import sqlalchemy as sa

# asyncpg: $1 organization id (or NULL), $2 user id (or NULL).
SET_SCOPE = "SELECT app_scope($1::uuid, $2::uuid)"
SET_TENANT = "SELECT app_scope($1::uuid, NULL)"
# SQLAlchemy, for the unit of work.
SET_SCOPE_SQLA = sa.text("SELECT app_scope(CAST(:org AS uuid), CAST(:uid AS uuid))")
