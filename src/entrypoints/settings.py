"""Settings: parsed once from the environment into a typed object, then passed in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_SECRET = "dev-secret-change-me"
DEFAULT_STRIPE_API_KEY = "sk_test_chapterhouse"
DEFAULT_STRIPE_WEBHOOK_SECRET = "whsec_chapterhouse"
# Secrets that appear in this repository (defaults, tests, demos): prod refuses every one of them.
KNOWN_SECRETS = frozenset(
    {
        DEFAULT_SECRET,
        DEFAULT_STRIPE_API_KEY,
        DEFAULT_STRIPE_WEBHOOK_SECRET,
        "test-secret-key-that-is-long-enough-0123456789",
        "whsec_billing_e2e",
    }
)
APP_ROLE = "chapterhouse_app"


class Environment(StrEnum):
    DEV = "dev"
    TEST = "test"
    PROD = "prod"


class SettingsError(ValueError):
    pass


@dataclass(frozen=True)
class Settings:
    env: Environment = Environment.DEV
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str | None = None  # the owner's URL: migrations run with it
    app_database_url: str | None = None  # the runtime role's URL (derived when unset)
    redis_url: str | None = None
    redis_cluster: bool = False  # REDIS_URL names one node of a Redis Cluster (REDIS_CLUSTER=1)
    smtp_url: str | None = None
    email_from: str = "no-reply@chapterhouse.local"
    # Jobs: runs in total before a dead letter, the first retry delay (doubling), and how long a delivered
    # job may stay unacknowledged before another worker takes it over (longer than the slowest job).
    job_queue: str = "chapterhouse:jobs"
    job_max_attempts: int = 5
    job_retry_base_seconds: float = 2.0
    job_redelivery_seconds: int = 300
    secret_key: str = DEFAULT_SECRET
    public_url: str = "http://127.0.0.1:8000"
    stripe_api_key: str = DEFAULT_STRIPE_API_KEY
    stripe_webhook_secret: str = DEFAULT_STRIPE_WEBHOOK_SECRET
    stripe_api_base: str | None = None
    data_dir: Path = Path(".data")
    # Each process opens up to 3 x db_pool_size connections (the engine's pool and overflow, the read pool);
    # start-up refuses when db_processes of them would not fit the server's max_connections (docs/operations.md).
    db_pool_size: int = 10
    db_processes: int = 3
    # The database URL leads to a transaction pooler (PgBouncer pool_mode=transaction, before 1.21): no
    # prepared statement outlives a transaction, and every read runs inside one (docs/scaling.md).
    db_transaction_pooler: bool = False
    db_pool_timeout_seconds: float = 5.0  # waiting longer for a connection answers 503 instead
    # Request bodies: bigger or deeper JSON is refused at the edge (400) before any handler runs.
    http_max_body_bytes: int = 1_048_576
    http_max_json_depth: int = 32
    metrics_token: str | None = None  # /metrics: this bearer token; without one, loopback only in prod
    # Retention (days) of what the scheduled purge deletes, in batches of retention_batch_size rows.
    retention_outbox_days: float = 7
    retention_processed_events_days: float = 30
    retention_stripe_events_days: float = 30
    retention_expired_tokens_days: float = 1
    retention_expired_invitations_days: float = 30
    retention_reports_days: float = 30
    retention_batch_size: int = 1000
    auth_rate_limit_per_minute: int = 20
    log_level: str = "INFO"
    log_format: str | None = None  # json | console; unset: console at a terminal, JSON otherwise
    cors_origins: tuple[str, ...] = ()  # browser origins allowed to call the API; empty: no CORS headers
    # Test-only negative control of the concurrency suite: order placement skips its row locks, so the
    # suite can show that it detects overselling. Refused outside APP_ENV=test.
    ticketing_unsafe_no_locks: bool = False
    ws_rate_per_second: int = 20
    ws_queue_size: int = 256
    ws_idle_timeout_seconds: float = 90.0
    ws_access_recheck_seconds: float = 2.0  # the process-wide token watch (one query per interval)
    ws_channel_recheck_seconds: float = 30.0
    worker_metrics_port: int | None = None  # the worker's Prometheus endpoint; off unless set
    # Test-only: the scheduler runs every scheduled job each N seconds instead of by its cron.
    scheduler_tick_seconds: int | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name)
            return value if value not in (None, "") else None

        def get_int(name: str, default: int) -> int:
            raw = get(name)
            try:
                return default if raw is None else int(raw)
            except ValueError:
                raise SettingsError(f"{name} must be an integer, got {raw!r}") from None

        def get_float(name: str, default: float) -> float:
            raw = get(name)
            try:
                return default if raw is None else float(raw)
            except ValueError:
                raise SettingsError(f"{name} must be a number, got {raw!r}") from None

        try:
            app_env = Environment(get("APP_ENV") or "dev")
        except ValueError:
            raise SettingsError("APP_ENV must be one of dev, test, prod") from None
        port = get_int("PORT", 8000)
        settings = cls(
            env=app_env,
            host=get("HOST") or "127.0.0.1",
            port=port,
            database_url=get("DATABASE_URL"),
            app_database_url=get("APP_DATABASE_URL"),
            redis_url=get("REDIS_URL"),
            redis_cluster=get("REDIS_CLUSTER") in ("1", "true"),
            smtp_url=get("SMTP_URL"),
            email_from=get("EMAIL_FROM") or "no-reply@chapterhouse.local",
            job_queue=hash_tagged(get("JOB_QUEUE") or "chapterhouse:jobs", get("REDIS_CLUSTER") in ("1", "true")),
            job_max_attempts=get_int("JOB_MAX_ATTEMPTS", 5),
            job_retry_base_seconds=float(get("JOB_RETRY_BASE_SECONDS") or 2.0),
            job_redelivery_seconds=get_int("JOB_REDELIVERY_SECONDS", 300),
            secret_key=get("SECRET_KEY") or DEFAULT_SECRET,
            public_url=get("PUBLIC_URL") or f"http://127.0.0.1:{port}",
            stripe_api_key=get("STRIPE_API_KEY") or DEFAULT_STRIPE_API_KEY,
            stripe_webhook_secret=get("STRIPE_WEBHOOK_SECRET") or DEFAULT_STRIPE_WEBHOOK_SECRET,
            stripe_api_base=get("STRIPE_API_BASE"),
            data_dir=Path(get("DATA_DIR") or ".data"),
            db_pool_size=get_int("DB_POOL_SIZE", 10),
            db_processes=get_int("DB_PROCESSES", 3),
            db_transaction_pooler=get("DB_TRANSACTION_POOLER") in ("1", "true"),
            db_pool_timeout_seconds=get_float("DB_POOL_TIMEOUT_SECONDS", 5.0),
            http_max_body_bytes=get_int("HTTP_MAX_BODY_BYTES", 1_048_576),
            http_max_json_depth=get_int("HTTP_MAX_JSON_DEPTH", 32),
            metrics_token=get("METRICS_TOKEN"),
            retention_outbox_days=get_float("RETENTION_OUTBOX_DAYS", 7),
            retention_processed_events_days=get_float("RETENTION_PROCESSED_EVENTS_DAYS", 30),
            retention_stripe_events_days=get_float("RETENTION_STRIPE_EVENTS_DAYS", 30),
            retention_expired_tokens_days=get_float("RETENTION_EXPIRED_TOKENS_DAYS", 1),
            retention_expired_invitations_days=get_float("RETENTION_EXPIRED_INVITATIONS_DAYS", 30),
            retention_reports_days=get_float("RETENTION_REPORTS_DAYS", 30),
            retention_batch_size=get_int("RETENTION_BATCH_SIZE", 1000),
            auth_rate_limit_per_minute=get_int("AUTH_RATE_LIMIT_PER_MINUTE", 20),
            log_level=(get("LOG_LEVEL") or "INFO").upper(),
            log_format=(get("LOG_FORMAT") or "").lower() or None,
            cors_origins=tuple(o.strip().rstrip("/") for o in (get("CORS_ORIGINS") or "").split(",") if o.strip()),
            ticketing_unsafe_no_locks=get("TICKETING_UNSAFE_NO_LOCKS") in ("1", "true"),
            ws_rate_per_second=get_int("WS_RATE_PER_SECOND", 20),
            ws_queue_size=get_int("WS_QUEUE_SIZE", 256),
            ws_idle_timeout_seconds=get_float("WS_IDLE_TIMEOUT_SECONDS", 90.0),
            ws_access_recheck_seconds=get_float("WS_ACCESS_RECHECK_SECONDS", 2.0),
            ws_channel_recheck_seconds=get_float("WS_CHANNEL_RECHECK_SECONDS", 30.0),
            worker_metrics_port=get_int("WORKER_METRICS_PORT", 0) or None,
            scheduler_tick_seconds=get_int("SCHEDULER_TICK_SECONDS", 0) or None,
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.env == Environment.PROD:
            if self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32:
                raise SettingsError("prod refuses to start without a SECRET_KEY of at least 32 characters")
            if not self.database_url:
                raise SettingsError("prod refuses to start without DATABASE_URL")
            self._refuse_test_secrets()
        if self.ticketing_unsafe_no_locks and self.env != Environment.TEST:
            raise SettingsError("TICKETING_UNSAFE_NO_LOCKS is a test-only switch: it needs APP_ENV=test")
        if self.db_pool_size < 1 or self.db_processes < 1 or self.db_pool_timeout_seconds <= 0:
            raise SettingsError("DB_POOL_SIZE and DB_PROCESSES must be at least 1, DB_POOL_TIMEOUT_SECONDS above 0")
        if self.http_max_body_bytes < 1024 or self.http_max_json_depth < 2:
            raise SettingsError("HTTP_MAX_BODY_BYTES must be at least 1024 and HTTP_MAX_JSON_DEPTH at least 2")
        if self.retention_batch_size < 1:
            raise SettingsError("RETENTION_BATCH_SIZE must be at least 1")
        if self.log_format not in (None, "json", "console"):
            raise SettingsError("LOG_FORMAT must be json or console")
        if self.redis_cluster and not self.redis_url:
            raise SettingsError("REDIS_CLUSTER=1 needs REDIS_URL (any node of the cluster)")
        if self.scheduler_tick_seconds and self.env != Environment.TEST:
            raise SettingsError("SCHEDULER_TICK_SECONDS is a test-only switch: it needs APP_ENV=test")
        if not 0 < self.port < 65536:
            raise SettingsError("PORT must be between 1 and 65535")
        if self.worker_metrics_port is not None and not 0 < self.worker_metrics_port < 65536:
            raise SettingsError("WORKER_METRICS_PORT must be between 1 and 65535")

    def _refuse_test_secrets(self) -> None:
        """Prod runs on live Stripe keys and secrets of its own: anything from the repository is public."""
        if self.secret_key in KNOWN_SECRETS:
            raise SettingsError("prod refuses a SECRET_KEY that is a default or test value")
        if self.stripe_webhook_secret in KNOWN_SECRETS or len(self.stripe_webhook_secret) < 24:
            raise SettingsError("prod refuses to start without a STRIPE_WEBHOOK_SECRET of its own (whsec_...)")
        if self.stripe_api_key in KNOWN_SECRETS or not self.stripe_api_key.startswith(("sk_live_", "rk_live_")):
            raise SettingsError("prod refuses a test or default STRIPE_API_KEY: it needs sk_live_ or rk_live_")
        if self.metrics_token is not None and (self.metrics_token in KNOWN_SECRETS or len(self.metrics_token) < 24):
            raise SettingsError("METRICS_TOKEN must be at least 24 characters in prod")

    def with_database(self, url: str) -> Settings:
        return replace(self, database_url=url)

    @property
    def runtime_database_url(self) -> str:
        """The URL the application connects with: APP_DATABASE_URL, else DATABASE_URL as the app role."""
        if self.app_database_url:
            return self.app_database_url
        if not self.database_url:
            raise SettingsError("no DATABASE_URL")
        return as_role(self.database_url, APP_ROLE)


def hash_tagged(queue: str, cluster: bool) -> str:
    """On a cluster, the job stream's name carries a hash tag, so the stream and the keys named after it
    (delayed retries, reclaim lock) share one slot and its Lua scripts stay on one node."""
    return f"{{{queue}}}" if cluster and "{" not in queue else queue


def as_role(url: str, role: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{role}@{host}"))


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    raise SettingsError("DATABASE_URL must be a postgresql:// URL")


def asyncpg_url(url: str) -> str:
    return "postgresql://" + sqlalchemy_url(url)[len("postgresql+asyncpg://") :]
