"""Superset configuration of the lakehouse.local/apache/superset image, read from the environment.

SUPERSET_SECRET_KEY       required: signs sessions and encrypts stored database passwords.
SUPERSET_DATABASE_URI     the metadata (app) database, e.g. postgresql+psycopg2://u:p@host:5432/db;
                          when unset, it is built from DATABASE_DIALECT (postgresql+psycopg2),
                          DATABASE_USER, DATABASE_PASSWORD, DATABASE_HOST, DATABASE_PORT (5432),
                          DATABASE_DB (superset) if DATABASE_HOST is set (upstream docker-compose's
                          names), else SQLite at $SUPERSET_HOME/superset.db.
SUPERSET_ROW_LIMIT        default row limit of charts (upstream: 50000).
SUPERSET_LOG_LEVEL        INFO by default.

CSRF protection stays on (WTF_CSRF_ENABLED): API clients fetch /api/v1/security/csrf_token/ and
send it as X-CSRFToken with the session cookie on mutating calls.
Mount another directory over /app/pythonpath to replace this file entirely.
"""

import logging
import os
from urllib.parse import quote

SUPERSET_HOME = os.environ.get("SUPERSET_HOME", "/app/superset_home")

SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY", "")
if not SECRET_KEY:
    raise RuntimeError("SUPERSET_SECRET_KEY is not set (generate one with: openssl rand -base64 42)")


def _database_uri() -> str:
    uri = os.environ.get("SUPERSET_DATABASE_URI", "")
    if uri:
        return uri
    host = os.environ.get("DATABASE_HOST", "")
    if host:
        dialect = os.environ.get("DATABASE_DIALECT", "postgresql+psycopg2")
        user = quote(os.environ.get("DATABASE_USER", "superset"), safe="")
        password = quote(os.environ.get("DATABASE_PASSWORD", ""), safe="")
        port = os.environ.get("DATABASE_PORT", "5432")
        db = os.environ.get("DATABASE_DB", "superset")
        auth = f"{user}:{password}" if password else user
        return f"{dialect}://{auth}@{host}:{port}/{db}"
    return f"sqlite:///{os.path.join(SUPERSET_HOME, 'superset.db')}"


SQLALCHEMY_DATABASE_URI = _database_uri()
# Reconnect after the app database restarts instead of failing the first request.
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

WTF_CSRF_ENABLED = True
# Plain HTTP inside the platform's network: cookies without the Secure flag.
SESSION_COOKIE_SECURE = False
SESSION_COOKIE_SAMESITE = "Lax"

ROW_LIMIT = int(os.environ.get("SUPERSET_ROW_LIMIT", "50000"))
SUPERSET_WEBSERVER_TIMEOUT = int(os.environ.get("GUNICORN_TIMEOUT", "120"))

# No telemetry or external calls from a locked-down network.
SCARF_ANALYTICS = False

LOG_LEVEL = getattr(logging, os.environ.get("SUPERSET_LOG_LEVEL", "INFO").upper(), logging.INFO)
