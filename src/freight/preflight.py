"""``freight check``: the settings a production deployment must not run with."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import ValidationError

from freight.settings import DEFAULT_SECRET_KEY, MIN_SECRET_KEY_LENGTH, Settings


class Severity(StrEnum):
    """An error fails the check; a warning is printed (and fails it only with --strict)."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One unsafe setting: how bad, which setting, and what to do."""

    severity: Severity
    setting: str
    message: str

    def line(self) -> str:
        """The finding as one printed line."""
        return f"{self.severity.upper():<8} {self.setting:<32} {self.message}"


def _error(setting: str, message: str) -> Finding:
    return Finding(Severity.ERROR, setting, message)


def _warning(setting: str, message: str) -> Finding:
    return Finding(Severity.WARNING, setting, message)


def check_settings(settings: Settings, workers: int = 1) -> list[Finding]:
    """Every unsafe setting for a production deployment running ``workers`` processes per host."""
    return [
        *_secret_findings(settings),
        *_logging_findings(settings),
        *_cors_findings(settings),
        *_backing_service_findings(settings, workers),
        *_stripe_findings(settings),
        *_exposure_findings(settings),
        *_metrics_findings(settings),
    ]


def _secret_findings(settings: Settings) -> list[Finding]:
    found: list[Finding] = []
    if settings.env != "production":
        found.append(
            _error("FREIGHT_ENV", f"is {settings.env!r}: set it to 'production' in production")
        )
    key = settings.secret_key.get_secret_value()
    if key == DEFAULT_SECRET_KEY:
        found.append(
            _error("FREIGHT_SECRET_KEY", "is the development default: set `freight secret-key`")
        )
    elif len(key) < MIN_SECRET_KEY_LENGTH:
        found.append(
            _error(
                "FREIGHT_SECRET_KEY",
                f"is {len(key)} characters, shorter than {MIN_SECRET_KEY_LENGTH}: "
                "set `freight secret-key`",
            )
        )
    if not settings.encryption_keys:
        found.append(
            _error(
                "FREIGHT_ENCRYPTION_KEYS",
                "is not set: stored personal data would be encrypted with a key derived from "
                "the secret key (`freight keys generate`)",
            )
        )
    return found


def _logging_findings(settings: Settings) -> list[Finding]:
    found: list[Finding] = []
    if settings.db_echo:
        found.append(
            _error("FREIGHT_DB_ECHO", "is on: every SQL statement and its values go to the log")
        )
    if settings.log_level.upper() == "DEBUG":
        found.append(_warning("FREIGHT_LOG_LEVEL", "is DEBUG: verbose logs in production"))
    return found


def _cors_findings(settings: Settings) -> list[Finding]:
    found: list[Finding] = []
    if "*" in settings.cors_origins:
        found.append(
            _error(
                "FREIGHT_CORS_ORIGINS",
                "contains '*': any web site may call the API with a user's credentials; "
                "list the exact origins",
            )
        )
    insecure = [o for o in settings.cors_origins if o.startswith("http://")]
    if insecure:
        found.append(
            _warning("FREIGHT_CORS_ORIGINS", f"allows plain-HTTP origins: {', '.join(insecure)}")
        )
    return found


def _backing_service_findings(settings: Settings, workers: int) -> list[Finding]:
    found: list[Finding] = []
    if settings.is_sqlite:
        found.append(
            _error(
                "FREIGHT_DATABASE_URL",
                "is the embedded SQLite database: use PostgreSQL (postgresql+asyncpg://...)",
            )
        )
    if settings.redis_url is None:
        if workers > 1:
            found.append(
                _error(
                    "FREIGHT_REDIS_URL",
                    f"is not set with {workers} workers: cache, rate limits and real-time "
                    "fan-out would stay inside each process",
                )
            )
        else:
            found.append(
                _warning(
                    "FREIGHT_REDIS_URL",
                    "is not set: cache, rate limits and real-time fan-out are in-process, "
                    "so this deployment cannot run a second process",
                )
            )
    return found


def _stripe_findings(settings: Settings) -> list[Finding]:
    found: list[Finding] = []
    if settings.stripe_secret_key is not None and settings.stripe_webhook_secret is None:
        found.append(
            _error(
                "FREIGHT_STRIPE_WEBHOOK_SECRET",
                "is not set while FREIGHT_STRIPE_SECRET_KEY is: card payments would never be "
                "confirmed by Stripe's webhook",
            )
        )
    if settings.stripe_secret_key is not None and settings.stripe_api_base:
        found.append(
            _warning("FREIGHT_STRIPE_API_BASE", "is set: payments do not go to Stripe's own API")
        )
    stripe_key = settings.stripe_secret_key
    if stripe_key is not None and stripe_key.get_secret_value().startswith("sk_test_"):
        found.append(_warning("FREIGHT_STRIPE_SECRET_KEY", "is a test-mode key"))
    return found


def _exposure_findings(settings: Settings) -> list[Finding]:
    found: list[Finding] = []
    if not settings.rate_limit_enabled:
        found.append(_warning("FREIGHT_RATE_LIMIT_ENABLED", "is off: no login or API limits"))
    if not settings.public_base_url.startswith("https://"):
        found.append(
            _warning(
                "FREIGHT_PUBLIC_BASE_URL",
                f"is {settings.public_base_url!r}: links in invoices and e-mails should be https",
            )
        )
    return found


def _metrics_findings(settings: Settings) -> list[Finding]:
    if settings.metrics_token is None:
        return [
            _error(
                "FREIGHT_METRICS_TOKEN",
                "is not set: /metrics (totals across every organisation) answers 403 in "
                "production; set a token and give Prometheus the same one",
            )
        ]
    return []


def _describe(exc: ValidationError) -> list[Finding]:
    found = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        setting = f"FREIGHT_{where.upper()}" if where else "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        found.append(_error(setting, message))
    return found


def run_checks(workers: int = 1) -> list[Finding]:
    """Read the settings from the environment as the app would, and check them.

    Settings refuse to load in production with a default secret or without encryption
    keys; that refusal is reported as findings, not raised.
    """
    try:
        return check_settings(Settings(), workers)
    except ValidationError as refused:
        try:
            # Load them as development to see every other problem, then judge them as the
            # production configuration they claimed to be.
            loaded = Settings(env="development")
        except ValidationError as invalid:
            return _describe(invalid)
        found = check_settings(loaded.model_copy(update={"env": "production"}), workers)
        if not any(f.severity is Severity.ERROR for f in found):
            found = _describe(refused) + found
        return found
