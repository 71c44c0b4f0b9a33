#!/usr/bin/env bash
# Minimal stand-in for Kafka's kafka-run-class.sh: same environment knobs (KAFKA_HEAP_OPTS,
# KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_LOG4J_OPTS, KAFKA_OPTS, KAFKA_JMX_OPTS + JMX_PORT, LOG_DIR,
# CLASSPATH), classpath = libs/*. Usage: kafka-run-class.sh [-name NAME] CLASS [ARGS...]
set -eu
base_dir="$(cd "$(dirname "$0")/.." && pwd)"

if [ "${1:-}" = "-name" ]; then shift 2; fi   # daemon name: meaningless in a container
if [ "${1:-}" = "-daemon" ]; then
  echo "kafka-run-class.sh: -daemon is not supported in this image; run in the foreground" >&2
  exit 2
fi
[ $# -ge 1 ] || { echo "USAGE: $0 [-name NAME] CLASS [ARGS...]" >&2; exit 1; }

CLASSPATH="${CLASSPATH:+$CLASSPATH:}$base_dir/libs/*"
LOG_DIR="${LOG_DIR:-$base_dir/logs}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx256M}"
KAFKA_JVM_PERFORMANCE_OPTS="${KAFKA_JVM_PERFORMANCE_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}"
KAFKA_LOG4J_OPTS="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$base_dir/config/tools-log4j2.yaml}"
KAFKA_JMX_OPTS="${KAFKA_JMX_OPTS:--Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false}"
if [ -n "${JMX_PORT:-}" ]; then
  KAFKA_JMX_OPTS="$KAFKA_JMX_OPTS -Dcom.sun.management.jmxremote.port=$JMX_PORT"
  [ -n "${JMX_RMI_PORT:-}" ] && KAFKA_JMX_OPTS="$KAFKA_JMX_OPTS -Dcom.sun.management.jmxremote.rmi.port=$JMX_RMI_PORT"
fi

if [ -n "${JAVA_HOME:-}" ]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi

# Word splitting of the *_OPTS variables is intended (they hold several JVM flags).
# shellcheck disable=SC2086
exec "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $KAFKA_JMX_OPTS \
  -Dkafka.logs.dir="$LOG_DIR" $KAFKA_LOG4J_OPTS ${KAFKA_OPTS:-} \
  -cp "$CLASSPATH" "$@"
