#!/usr/bin/env bash
# Entrypoint of the Debezium Connect image (quay.io/debezium/connect) re-done for this build:
#   BOOTSTRAP_SERVERS (default 0.0.0.0:9092), GROUP_ID (default 1), CONFIG_STORAGE_TOPIC,
#   OFFSET_STORAGE_TOPIC (both required), STATUS_STORAGE_TOPIC, {CONFIG,OFFSET,STATUS}_STORAGE_
#   REPLICATION_FACTOR, KEY_CONVERTER / VALUE_CONVERTER (default JsonConverter), REST_PORT (8083),
#   ADVERTISED_HOST_NAME / ADVERTISED_PORT, HEAP_OPTS, OFFSET_FLUSH_INTERVAL_MS (60000),
#   OFFSET_FLUSH_TIMEOUT_MS (5000), SHUTDOWN_TIMEOUT (10000), LOG_LEVEL, and any CONNECT_FOO_BAR
#   variable -> worker property foo.bar. `start` runs the worker; any other command is exec'ed
#   (the image doubles as a shell + curl job runner).
# Differences: Kafka 4 dropped rest.host.name/rest.port, so REST_PORT sets `listeners`; the
# *_STORAGE_REPLICATION_FACTOR variables are honoured directly; logging is log4j2.
set -e

SENSITIVE_PROPERTIES="${SENSITIVE_PROPERTIES:-CONNECT_SASL_JAAS_CONFIG,CONNECT_CONSUMER_SASL_JAAS_CONFIG,CONNECT_PRODUCER_SASL_JAAS_CONFIG,CONNECT_SSL_KEYSTORE_PASSWORD,CONNECT_PRODUCER_SSL_KEYSTORE_PASSWORD,CONNECT_SSL_TRUSTSTORE_PASSWORD,CONNECT_PRODUCER_SSL_TRUSTSTORE_PASSWORD,CONNECT_SSL_KEY_PASSWORD,CONNECT_PRODUCER_SSL_KEY_PASSWORD,CONNECT_CONSUMER_SSL_TRUSTSTORE_PASSWORD,CONNECT_CONSUMER_SSL_KEYSTORE_PASSWORD,CONNECT_CONSUMER_SSL_KEY_PASSWORD}"

if [ "${1:-}" != start ]; then
  exec "$@"
fi

: "${BOOTSTRAP_SERVERS:=0.0.0.0:9092}"
echo "Using BOOTSTRAP_SERVERS=$BOOTSTRAP_SERVERS"
HOST_NAME="${HOST_NAME:-$(hostname -i 2>/dev/null | awk '{print $1}')}"
: "${REST_PORT:=8083}"
: "${ADVERTISED_PORT:=$REST_PORT}"
: "${ADVERTISED_HOST_NAME:=$HOST_NAME}"
: "${GROUP_ID:=1}"
: "${OFFSET_FLUSH_INTERVAL_MS:=60000}"
: "${OFFSET_FLUSH_TIMEOUT_MS:=5000}"
: "${SHUTDOWN_TIMEOUT:=10000}"
: "${KEY_CONVERTER:=org.apache.kafka.connect.json.JsonConverter}"
: "${VALUE_CONVERTER:=org.apache.kafka.connect.json.JsonConverter}"

# Explicit CONNECT_* variables win over the short forms, as upstream's export order implies for
# the ones it does not set itself.
export CONNECT_REST_ADVERTISED_PORT="${CONNECT_REST_ADVERTISED_PORT:-$ADVERTISED_PORT}"
export CONNECT_REST_ADVERTISED_HOST_NAME="${CONNECT_REST_ADVERTISED_HOST_NAME:-$ADVERTISED_HOST_NAME}"
export CONNECT_LISTENERS="${CONNECT_LISTENERS:-http://0.0.0.0:$REST_PORT}"
export CONNECT_BOOTSTRAP_SERVERS="$BOOTSTRAP_SERVERS"
export CONNECT_GROUP_ID="$GROUP_ID"
export CONNECT_CONFIG_STORAGE_TOPIC="${CONFIG_STORAGE_TOPIC:-}"
export CONNECT_OFFSET_STORAGE_TOPIC="${OFFSET_STORAGE_TOPIC:-}"
[ -n "${STATUS_STORAGE_TOPIC:-}" ] && export CONNECT_STATUS_STORAGE_TOPIC="$STATUS_STORAGE_TOPIC"
for t in CONFIG OFFSET STATUS; do
  v="${t}_STORAGE_REPLICATION_FACTOR"
  [ -n "${!v:-}" ] && export "CONNECT_${v}=${!v}"
done
export CONNECT_KEY_CONVERTER="$KEY_CONVERTER"
export CONNECT_VALUE_CONVERTER="$VALUE_CONVERTER"
export CONNECT_TASK_SHUTDOWN_GRACEFUL_TIMEOUT_MS="$SHUTDOWN_TIMEOUT"
export CONNECT_OFFSET_FLUSH_INTERVAL_MS="$OFFSET_FLUSH_INTERVAL_MS"
export CONNECT_OFFSET_FLUSH_TIMEOUT_MS="$OFFSET_FLUSH_TIMEOUT_MS"
[ -n "${HEAP_OPTS:-}" ] && export KAFKA_HEAP_OPTS="$HEAP_OPTS"
: "${CONNECT_PLUGIN_PATH:=$KAFKA_CONNECT_PLUGINS_DIR}"
export CONNECT_PLUGIN_PATH
echo "Plugins are loaded from $CONNECT_PLUGIN_PATH"
unset HOST_NAME REST_PORT ADVERTISED_PORT ADVERTISED_HOST_NAME GROUP_ID OFFSET_FLUSH_INTERVAL_MS \
      OFFSET_FLUSH_TIMEOUT_MS SHUTDOWN_TIMEOUT KEY_CONVERTER VALUE_CONVERTER HEAP_OPTS

if [ -n "${JMXPORT:-}" ] && [ -n "${JMXHOST:-}" ]; then
  echo "Enabling JMX on ${JMXHOST}:${JMXPORT}"
  export KAFKA_JMX_OPTS="-Djava.rmi.server.hostname=${JMXHOST} -Dcom.sun.management.jmxremote.rmi.port=${JMXPORT} -Dcom.sun.management.jmxremote.port=${JMXPORT} -Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.authenticate=${JMXAUTH:-false} -Dcom.sun.management.jmxremote.ssl=${JMXSSL:-false}"
fi

[ -n "$CONNECT_BOOTSTRAP_SERVERS" ] || { echo "The BOOTSTRAP_SERVERS variable must be set."; exit 1; }
if [ -z "$CONNECT_CONFIG_STORAGE_TOPIC" ]; then
  echo "The CONFIG_STORAGE_TOPIC variable must be set to the name of the topic where connector configurations will be stored."
  exit 1
fi
if [ -z "$CONNECT_OFFSET_STORAGE_TOPIC" ]; then
  echo "The OFFSET_STORAGE_TOPIC variable must be set to the name of the topic where connector offsets will be stored."
  exit 1
fi
if [ -z "${CONNECT_STATUS_STORAGE_TOPIC:-}" ]; then
  echo "WARNING: STATUS_STORAGE_TOPIC is not set; the default 'connect-status' is used."
fi

# A mounted /kafka/config keeps its own files; missing ones come from the image.
cp -rn "$KAFKA_HOME/config.orig/." "$KAFKA_HOME/config/"

if [ -n "${CONNECT_LOG4J_LOGGERS:-}" ]; then
  i=0
  IFS=',' read -r -a loggers <<< "$CONNECT_LOG4J_LOGGERS"
  for l in "${loggers[@]}"; do
    name="${l%%=*}"; level="${l#*=}"
    [ -n "$name" ] && [ "$name" != "$l" ] || continue
    i=$((i + 1))
    printf 'logger.env%d.name = %s\nlogger.env%d.level = %s\n' "$i" "$name" "$i" "$level" \
      >> "$KAFKA_HOME/config/log4j2.properties"
  done
  unset CONNECT_LOG4J_LOGGERS
fi

# CONNECT_FOO_BAR=value -> foo.bar=value, replacing an existing line of that key.
props="$KAFKA_HOME/config/connect-distributed.properties"
while IFS='=' read -r -d '' name value; do
  case "$name" in CONNECT_*) ;; *) continue ;; esac
  prop="$(printf '%s' "${name#CONNECT_}" | tr '[:upper:]' '[:lower:]' | tr _ .)"
  tmp="$(mktemp)"
  grep -v -E "^#?[[:space:]]*${prop//./\\.}[[:space:]]*=" "$props" > "$tmp" || true
  printf '%s=%s\n' "$prop" "$value" >> "$tmp"
  cat "$tmp" > "$props"; rm -f "$tmp"
  if [[ ",$SENSITIVE_PROPERTIES," == *",$name,"* ]]; then
    echo "--- Setting property from $name: $prop=[hidden]"
  else
    echo "--- Setting property from $name: $prop=$value"
  fi
done < <(env -0)

# Upstream's switch: the Prometheus JMX exporter agent from libs/ on port 9404, configured by
# config/metrics.yaml (the image's catch-all, or a mounted one).
if [ "${ENABLE_JMX_EXPORTER:-}" = "true" ]; then
  agent="$(ls "$KAFKA_HOME"/libs/jmx_prometheus_javaagent*.jar)"
  export KAFKA_OPTS="${KAFKA_OPTS:+$KAFKA_OPTS }-javaagent:$agent=9404:$KAFKA_HOME/config/metrics.yaml"
fi

exec "$KAFKA_HOME/bin/connect-distributed.sh" "$props"
