#!/usr/bin/env sh
# As upstream's fixture entrypoint: LOG_CONFIG_DIR (a directory with simplelogger.properties)
# goes first on the classpath; LOG_LEVEL sets slf4j-simple's default level; JAVA_OPTS is added.
set -eu
cd /usr/lib/iceberg-rest
CLASSPATH="/usr/lib/iceberg-rest:/usr/lib/iceberg-rest/libs/*"
if [ -n "${LOG_CONFIG_DIR:-}" ]; then
  CLASSPATH="${LOG_CONFIG_DIR}:${CLASSPATH}"
fi
set -- java
if [ -n "${LOG_LEVEL:-}" ]; then
  set -- "$@" "-Dorg.slf4j.simpleLogger.defaultLogLevel=${LOG_LEVEL}"
fi
# shellcheck disable=SC2086
exec "$@" ${JAVA_OPTS:-} -cp "$CLASSPATH" org.apache.iceberg.rest.RESTCatalogServer
