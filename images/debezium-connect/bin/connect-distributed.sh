#!/usr/bin/env bash
# Usage: connect-distributed.sh connect-distributed.properties
set -eu
[ $# -ge 1 ] || { echo "USAGE: $0 connect-distributed.properties" >&2; exit 1; }
base_dir="$(cd "$(dirname "$0")/.." && pwd)"
export KAFKA_LOG4J_OPTS="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$base_dir/config/log4j2.properties}"
export KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256M -Xmx2G}"
exec "$base_dir/bin/kafka-run-class.sh" -name connectDistributed \
  org.apache.kafka.connect.cli.ConnectDistributed "$@"
