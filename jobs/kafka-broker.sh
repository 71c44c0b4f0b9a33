#!/usr/bin/env bash
# One broker and controller of a replicated KRaft cluster. Its node id is its replica ordinal, the
# number its host name ends in (kafka-0, kafka-1, ...: Docker's replica names and a StatefulSet's
# pod names alike); the controller quorum is every replica's controller listener; it advertises
# its own stable name, and to host clients localhost at its own port. Then the image's start-up
# (which writes the broker's properties) runs.
# No variable starts with KAFKA_: the image makes every KAFKA_* variable a broker property.
#   BROKER_HOSTS   every replica's stable host name, in ordinal order, space-separated
#   EXTERNAL_PORT  host port of broker 0's external listener (published or forwarded); broker i's
#                  is EXTERNAL_PORT + i. Empty: the external listener advertises the stable name.
#   BROKER_START   the image's start-up (default /etc/kafka/docker/run)
set -euo pipefail
read -r -a hosts <<<"${BROKER_HOSTS:?BROKER_HOSTS must list the host name of every replica}"
ordinal="${HOSTNAME##*-}"
if ! [[ "$ordinal" =~ ^[0-9]+$ ]] || ((ordinal >= ${#hosts[@]})); then
  echo "kafka-broker: host name '${HOSTNAME}' does not end in a replica ordinal below ${#hosts[@]}" >&2
  exit 1
fi
voters=""
for i in "${!hosts[@]}"; do voters+="${voters:+,}${i}@${hosts[$i]}:9093"; done
export KAFKA_NODE_ID="$ordinal" KAFKA_CONTROLLER_QUORUM_VOTERS="$voters"
external="${hosts[$ordinal]}:9094"
if [[ -n "${EXTERNAL_PORT:-}" ]]; then external="localhost:$((EXTERNAL_PORT + ordinal))"; fi
export KAFKA_ADVERTISED_LISTENERS="PLAINTEXT://${hosts[$ordinal]}:9092,EXTERNAL://${external}"
echo "kafka-broker: node ${KAFKA_NODE_ID} of ${#hosts[@]}, quorum ${voters}"
exec "${BROKER_START:-/etc/kafka/docker/run}"
