#!/usr/bin/env bash
# The image's default command: bring the metadata database up to date, make sure the admin
# exists, then serve. Safe to run on every start (each step is idempotent):
#   1. superset db upgrade                      (Alembic migrations of the app database)
#   2. superset fab create-admin                when ADMIN_USERNAME and ADMIN_PASSWORD are set;
#      if the user already exists, its password is reset to ADMIN_PASSWORD instead, so the
#      environment stays the source of truth
#   3. superset init                            (roles and permissions)
#   4. exec /usr/bin/run-server.sh              (gunicorn on 0.0.0.0:$SUPERSET_PORT)
# SUPERSET_INIT=false skips 1-3 (e.g. for a second web replica).
set -euo pipefail

say() { printf '%s [bootstrap] %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }

if [ -z "${SUPERSET_SECRET_KEY:-}" ]; then
  say "SUPERSET_SECRET_KEY is not set: Superset refuses to start without its own secret key" \
      "(generate one with: openssl rand -base64 42)"
  exit 1
fi

if [ "${SUPERSET_INIT:-true}" != false ]; then
  say "superset db upgrade"
  superset db upgrade

  if [ -n "${ADMIN_USERNAME:-}" ] && [ -n "${ADMIN_PASSWORD:-}" ]; then
    say "admin user '$ADMIN_USERNAME'"
    set +e
    out="$(superset fab create-admin \
      --username "$ADMIN_USERNAME" \
      --firstname "${ADMIN_FIRST_NAME:-Superset}" \
      --lastname "${ADMIN_LAST_NAME:-Admin}" \
      --email "${ADMIN_EMAIL:-$ADMIN_USERNAME@localhost}" \
      --password "$ADMIN_PASSWORD" 2>&1)"
    rc=$?
    set -e
    if grep -qi 'already exists' <<<"$out"; then
      say "admin '$ADMIN_USERNAME' already exists: setting its password from ADMIN_PASSWORD"
      superset fab reset-password --username "$ADMIN_USERNAME" --password "$ADMIN_PASSWORD" >/dev/null
    elif [ "$rc" != 0 ] || ! grep -qi 'created' <<<"$out"; then
      printf '%s\n' "$out" | grep -v -F "$ADMIN_PASSWORD" >&2 || true
      say "creating the admin user failed"
      exit 1
    else
      say "admin '$ADMIN_USERNAME' created"
    fi
  elif [ -n "${ADMIN_USERNAME:-}" ]; then
    say "ADMIN_USERNAME is set but ADMIN_PASSWORD is not: no admin user created"
  fi

  say "superset init"
  superset init
fi

say "starting gunicorn on ${SUPERSET_BIND_ADDRESS:-0.0.0.0}:${SUPERSET_PORT:-8088}"
exec /usr/bin/run-server.sh
