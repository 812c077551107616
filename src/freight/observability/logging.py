"""structlog JSON logging to stdout and a rotating file, with secrets redacted."""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

from freight.settings import Settings

REDACTED = "[REDACTED]"
SENSITIVE_KEY = re.compile(
    r"pass(word|wd)?|secret|token|authorization|cookie|api[_-]?key|^key$|licen[cs]e|"
    r"card|cvc|cvv|pan$|iban|vin$|phone|signature",
    re.IGNORECASE,
)
# Values that look like credentials wherever they appear in free text.
SENSITIVE_VALUE = re.compile(
    r"eyJ[\w-]+\.[\w-]+\.[\w-]*"  # JWTs
    r"|\bfr[tk]_[\w-]{16,}"  # Freight refresh tokens and API keys
    r"|\bBearer\s+\S+"
    r"|[?&](?:key|api_?key|access_token|token)=[^&\s\"']+"  # keys in a URL's query
    r"|\b(?:\d[ -]?){13,19}\b",  # card-like digit runs
)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return SENSITIVE_VALUE.sub(REDACTED, value)
    if isinstance(value, MutableMapping):
        return {k: REDACTED if _is_sensitive(k) else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def _is_sensitive(key: object) -> bool:
    return isinstance(key, str) and bool(SENSITIVE_KEY.search(key))


def redact(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> Any:
    """structlog processor: mask sensitive keys and credential-shaped values."""
    for key in list(event_dict):
        event_dict[key] = REDACTED if _is_sensitive(key) else _scrub(event_dict[key])
    return event_dict


# httpx logs each request's full URL at INFO, and a routing or geocoding server's URL
# carries its API key and the address searched for.
NOISY_LOGGERS = ("uvicorn.access", "sqlalchemy.engine", "httpx", "httpcore")


def quiet_noisy_loggers() -> None:
    """Keep the libraries that log URLs or SQL to warnings and worse."""
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)


def configure_logging(settings: Settings) -> None:
    """Route structlog and stdlib logging to JSON on stdout and a rotating file."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            structlog.processors.JSONRenderer(),
        ],
    )
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stdout)]
    if settings.log_file is not None:
        settings.log_file.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                settings.log_file,
                maxBytes=settings.log_file_max_bytes,
                backupCount=settings.log_file_backups,
                encoding="utf-8",
            )
        )
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
        old.close()
    for handler in handlers:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    quiet_noisy_loggers()
    structlog.configure(
        # Drop below-level calls first: at WARNING the per-request access line costs nothing.
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
