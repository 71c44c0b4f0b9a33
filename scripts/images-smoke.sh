#!/usr/bin/env bash
# Smoke-test the locally built images: start each the way the constructs do, wait for its
# health command, check one real thing, stop and remove everything it started.
#
#   scripts/images-smoke.sh [IMAGE ...]      (default: every image; same names as images.sh)
#
# Containers and networks are named lhsmoke-*; ports are not published (checks run inside the
# containers or on the smoke network), so nothing here collides with a deployed stack.
# shellcheck disable=SC2329 # the smoke_* functions are called by name
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
set -a
# shellcheck source=images/versions.env
. "$ROOT/images/versions.env"
set +a
# shellcheck source=images/lib.sh
. "$ROOT/images/lib.sh"
LOG_TAG=smoke
# shellcheck source=scripts/lib/log.sh
. "$ROOT/scripts/lib/log.sh"

ALL=(postgres kafka debezium-connect minio mc iceberg-rest flink trino node superset prometheus alertmanager postgres-exporter freshness-probe)
[ $# -gt 0 ] || set -- "${ALL[@]}"

NET=lhsmoke-net
LABEL=lakehouse.smoke=1
# Everything a test starts carries $LABEL, so cleanup removes exactly those containers.
cleanup() {
  local ids
  ids="$(docker ps -aq --filter "label=$LABEL")"
  [ -z "$ids" ] || { mapfile -t ids <<<"$ids"; docker rm -f -v "${ids[@]}" >/dev/null 2>&1; } || true
  docker volume rm lhsmoke-iceberg-meta >/dev/null 2>&1 || true
  docker network rm "$NET" >/dev/null 2>&1 || true
}
trap cleanup EXIT

run() { # run NAME IMAGE-ARGS... : detached, on the smoke network, remembered for cleanup
  local name="$1"; shift
  docker rm -f -v "$name" >/dev/null 2>&1 || true
  docker run -d --label "$LABEL" --name "$name" --hostname "$name" --network "$NET" "$@" >/dev/null
}

# healthy_in NAME CMD... : CMD succeeds inside container NAME; gives up once NAME has exited.
healthy_in() {
  local name="$1"; shift
  docker exec "$name" "$@" >/dev/null 2>&1 && return 0
  [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" = true ] || return "$WAIT_GIVE_UP"
  return 1
}

# wait_healthy SECONDS NAME CMD... : run CMD inside container NAME until it succeeds
wait_healthy() {
  local limit="$1" name="$2"; shift 2
  local t0=$SECONDS status=0
  wait_for "$limit" healthy_in "$name" "$@" || status=$?
  case "$status" in
    0) log "$name healthy after $((SECONDS - t0))s ($*)"; return 0 ;;
    "$WAIT_GIVE_UP") log "$name exited; its log:" ;;
    *) log "$name not healthy within ${limit}s; its log:" ;;
  esac
  docker logs --tail 60 "$name" >&2 || true
  return 1
}

# ---------------------------------------------------------------------------------------------

smoke_postgres() {
  local img; img="$(image_tag postgres)"
  local init; init="$(mktemp -d)"
  cat > "$init/01-schema.sql" <<'SQL'
CREATE TABLE users (id int PRIMARY KEY, name text);
INSERT INTO users VALUES (1, 'Zoë ✓');
SQL
  cat > "$init/02-role.sh" <<'SH'
#!/usr/bin/env bash
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -c "CREATE ROLE cdc WITH LOGIN REPLICATION PASSWORD 'cdcpw'"
SH
  chmod 0755 "$init/02-role.sh"; chmod 0644 "$init/01-schema.sql"; chmod 0755 "$init"
  run lhsmoke-pg -e POSTGRES_USER=app -e POSTGRES_PASSWORD=secret -e POSTGRES_DB=bank \
    -v "$init:/docker-entrypoint-initdb.d:ro" \
    "$img" postgres -c wal_level=logical -c max_replication_slots=4 -c max_wal_senders=4
  wait_healthy 60 lhsmoke-pg pg_isready -U app -d bank -h 127.0.0.1
  # Over TCP with the password (scram), as a client on the network would.
  local out
  out="$(docker exec -e PGPASSWORD=secret lhsmoke-pg psql -h lhsmoke-pg -U app -d bank -Atc \
    "SELECT current_user, name, current_setting('wal_level'), (SELECT rolreplication FROM pg_roles WHERE rolname='cdc'), (SELECT usename FROM pg_stat_activity WHERE pid = pg_backend_pid()) FROM users")"
  log "postgres query: $out"
  [ "$out" = "app|Zoë ✓|logical|t|app" ] || { log "unexpected: $out"; return 1; }
  # Wrong password must fail over the network.
  if docker exec -e PGPASSWORD=wrong lhsmoke-pg psql -h lhsmoke-pg -U app -d bank -c 'select 1' >/dev/null 2>&1; then
    log "a wrong password was accepted"; return 1
  fi
  local user; user="$(docker exec lhsmoke-pg ps -o user= -p 1)"
  [ "$user" = postgres ] || { log "PID 1 runs as $user, want postgres"; return 1; }
  # Restart: data kept, init scripts not re-run.
  docker restart lhsmoke-pg >/dev/null
  wait_healthy 60 lhsmoke-pg pg_isready -U app -d bank -h 127.0.0.1
  # Captured first: `cmd | grep -q` under pipefail fails when grep exits before cmd is done.
  local logs; logs="$(docker logs lhsmoke-pg 2>&1)"
  grep -q 'Skipping initialization' <<<"$logs" || { log "restart re-initialised"; return 1; }
  rm -rf "$init"
}

# A single-node KRaft broker+controller named lhsmoke-kafka, configured the way the CdcConnector
# construct configures the official image.
start_kafka() {
  run lhsmoke-kafka \
    -e KAFKA_NODE_ID=1 -e KAFKA_PROCESS_ROLES=broker,controller \
    -e KAFKA_LISTENERS=PLAINTEXT://0.0.0.0:9092,CONTROLLER://0.0.0.0:9093 \
    -e KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://lhsmoke-kafka:9092 \
    -e KAFKA_CONTROLLER_LISTENER_NAMES=CONTROLLER \
    -e KAFKA_CONTROLLER_QUORUM_VOTERS=1@lhsmoke-kafka:9093 \
    -e KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT \
    -e KAFKA_INTER_BROKER_LISTENER_NAME=PLAINTEXT \
    -e KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR=1 \
    -e KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR=1 \
    -e KAFKA_TRANSACTION_STATE_LOG_MIN_ISR=1 \
    -e KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS=0 \
    -e CLUSTER_ID=4L6g3nShT-eMCtK--X86sw \
    -e KAFKA_HEAP_OPTS="-Xmx512m -Xms512m" \
    "$(image_tag kafka)"
  wait_healthy 90 lhsmoke-kafka /opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092
}

smoke_kafka() {
  start_kafka
  docker exec lhsmoke-kafka /opt/kafka/bin/kafka-topics.sh --bootstrap-server lhsmoke-kafka:9092 \
    --create --topic smoke.public.users --partitions 1 --replication-factor 1
  printf 'hello-%s\n' 1 2 3 | docker exec -i lhsmoke-kafka /opt/kafka/bin/kafka-console-producer.sh \
    --bootstrap-server lhsmoke-kafka:9092 --topic smoke.public.users
  local got
  got="$(docker exec lhsmoke-kafka /opt/kafka/bin/kafka-console-consumer.sh --bootstrap-server lhsmoke-kafka:9092 \
    --topic smoke.public.users --from-beginning --max-messages 3 --timeout-ms 20000 2>/dev/null | tr '\n' ' ')"
  log "kafka consumed: $got"
  [ "$got" = "hello-1 hello-2 hello-3 " ] || return 1
  grep -q '^log.dirs=/var/lib/kafka/data$' <(docker exec lhsmoke-kafka cat /opt/kafka/config/server.properties)
  [ "$(docker exec lhsmoke-kafka id -un)" = appuser ]
  # Restart on the same volume: storage already formatted, topic still there.
  docker restart lhsmoke-kafka >/dev/null
  wait_healthy 90 lhsmoke-kafka /opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092
  local topics
  topics="$(docker exec lhsmoke-kafka /opt/kafka/bin/kafka-topics.sh --bootstrap-server lhsmoke-kafka:9092 --list)"
  grep -qx smoke.public.users <<<"$topics"
}

# connector_running: connector bank's task 0 is RUNNING; leaves its last status in the caller's $state.
connector_running() {
  state="$(docker exec lhsmoke-connect curl -fsS http://localhost:8083/connectors/bank/status 2>/dev/null || true)"
  grep -q '"tasks":\[{"id":0,"state":"RUNNING"' <<<"$state"
}

# Kafka + PostgreSQL + Connect, configured as the CdcConnector construct does; a Debezium
# connector registered with curl from a one-shot container of the same image; the change events
# of an insert, an update and a delete read back from Kafka (NUMERIC kept exact as a string).
smoke_debezium_connect() {
  start_kafka
  # Both passwords as files under /run/secrets, the way the constructs mount them.
  local secrets; secrets="$(mktemp -d)"
  printf secret >"$secrets/password"
  chmod 755 "$secrets"; chmod 444 "$secrets/password"
  run lhsmoke-pg -v "$secrets:/run/secrets:ro" -e POSTGRES_USER=app -e POSTGRES_PASSWORD_FILE=/run/secrets/password -e POSTGRES_DB=bank \
    "$(image_tag postgres)" postgres -c wal_level=logical
  wait_healthy 60 lhsmoke-pg pg_isready -U app -d bank -h 127.0.0.1
  docker exec lhsmoke-pg psql -v ON_ERROR_STOP=1 -U app -d bank -q -c "
    CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance numeric(18,2));
    ALTER TABLE accounts REPLICA IDENTITY FULL;
    INSERT INTO accounts VALUES (1, 'Zoë', 1234.56);
    CREATE PUBLICATION dbz_pub FOR TABLE accounts;"
  run lhsmoke-connect --user 1001 -v "$secrets:/run/secrets:ro" \
    -e BOOTSTRAP_SERVERS=lhsmoke-kafka:9092 -e GROUP_ID=lakehouse-connect \
    -e CONFIG_STORAGE_TOPIC=_connect_configs -e OFFSET_STORAGE_TOPIC=_connect_offsets \
    -e STATUS_STORAGE_TOPIC=_connect_statuses -e CONFIG_STORAGE_REPLICATION_FACTOR=1 \
    -e OFFSET_STORAGE_REPLICATION_FACTOR=1 -e STATUS_STORAGE_REPLICATION_FACTOR=1 \
    -e CONNECT_KEY_CONVERTER_SCHEMAS_ENABLE=false -e CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE=false \
    -e CONNECT_REST_ADVERTISED_HOST_NAME=lhsmoke-connect \
    -e CONNECT_CONFIG_PROVIDERS=directory \
    -e CONNECT_CONFIG_PROVIDERS_DIRECTORY_CLASS=org.apache.kafka.common.config.provider.DirectoryConfigProvider \
    -e HEAP_OPTS="-Xms256m -Xmx768m" \
    "$(image_tag debezium-connect)"
  wait_healthy 120 lhsmoke-connect curl -fsS http://localhost:8083/connectors
  local plugins
  plugins="$(docker exec lhsmoke-connect curl -fsS http://localhost:8083/connector-plugins)"
  log "connector plugins: $plugins"
  grep -q '"io.debezium.connector.postgresql.PostgresConnector"' <<<"$plugins"
  # The registration job: same image, any command but `start` is exec'ed.
  docker run --rm --label "$LABEL" --network "$NET" "$(image_tag debezium-connect)" \
    curl -fsS -X PUT -H 'Content-Type: application/json' \
    http://lhsmoke-connect:8083/connectors/bank/config -d '{
      "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
      "database.hostname": "lhsmoke-pg", "database.port": "5432", "database.user": "app",
      "database.password": "${directory:/run/secrets:password}", "database.dbname": "bank",
      "topic.prefix": "bank", "plugin.name": "pgoutput", "publication.name": "dbz_pub",
      "publication.autocreate.mode": "disabled", "table.include.list": "public.accounts",
      "decimal.handling.mode": "string", "slot.name": "dbz_smoke"}' >/dev/null
  local state=""
  wait_for 60 connector_running || true
  log "connector status: $state"
  grep -q '"tasks":\[{"id":0,"state":"RUNNING"' <<<"$state"
  docker exec lhsmoke-pg psql -v ON_ERROR_STOP=1 -U app -d bank -q -c "
    UPDATE accounts SET balance = 99.01 WHERE id = 1; DELETE FROM accounts WHERE id = 1;"
  local events
  events="$(docker exec lhsmoke-kafka /opt/kafka/bin/kafka-console-consumer.sh \
    --bootstrap-server lhsmoke-kafka:9092 --topic bank.public.accounts --from-beginning \
    --max-messages 3 --timeout-ms 60000 2>/dev/null)"
  log "events: $(grep -o '"op":"[a-z]"' <<<"$events" | tr '\n' ' ')"
  grep -q '"after":{"id":1,"owner":"Zoë","balance":"1234.56"}' <<<"$events"
  grep -q '"after":{"id":1,"owner":"Zoë","balance":"99.01"}' <<<"$events"
  grep -q '"op":"d"' <<<"$events"
}

# MinIO as the IcebergWarehouse construct runs it, and the bucket job's mc commands.
start_minio() {
  run lhsmoke-minio -e MINIO_ROOT_USER=lakehouse -e MINIO_ROOT_PASSWORD=lakehouse-secret \
    -e MINIO_BROWSER_REDIRECT=false \
    "$(image_tag minio)" server /data --console-address :9001
  wait_healthy 60 lhsmoke-minio curl -fsS -o /dev/null http://localhost:9000/minio/health/live
}

make_bucket() {
  docker run --rm --label "$LABEL" --network "$NET" -e MC_CONFIG_DIR=/tmp/mc \
    -e S3_ENDPOINT=http://lhsmoke-minio:9000 -e S3_ACCESS_KEY=lakehouse -e S3_SECRET_KEY=lakehouse-secret \
    -e BUCKET="$1" --entrypoint /bin/sh "$(image_tag mc)" -c '
      set -e
      mc alias set lake "$S3_ENDPOINT" "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >/dev/null
      mc mb --ignore-existing "lake/$BUCKET"
      echo "bucket $BUCKET ready"'
}

mc_ls() {
  docker run --rm --label "$LABEL" --network "$NET" -e MC_CONFIG_DIR=/tmp/mc \
    --entrypoint /bin/sh "$(image_tag mc)" -c \
    "mc alias set lake http://lhsmoke-minio:9000 lakehouse lakehouse-secret >/dev/null && mc ls --recursive $1"
}

smoke_minio() {
  start_minio
  docker exec lhsmoke-minio minio --version | head -1 >&2
  docker exec lhsmoke-minio curl -fsS -o /dev/null http://localhost:9000/minio/health/ready
  # The console listens on 9001 as asked.
  docker exec lhsmoke-minio curl -fsS -o /dev/null http://localhost:9001/
}

smoke_mc() {
  start_minio
  docker run --rm --label "$LABEL" "$(image_tag mc)" --version | head -1 >&2
  make_bucket lakehouse
  make_bucket lakehouse   # --ignore-existing: the job is re-runnable
  local got
  got="$(docker run --rm --label "$LABEL" --network "$NET" -e MC_CONFIG_DIR=/tmp/mc --entrypoint /bin/sh \
    "$(image_tag mc)" -c 'mc alias set lake http://lhsmoke-minio:9000 lakehouse lakehouse-secret >/dev/null &&
      echo hi | mc pipe lake/lakehouse/hello.txt >/dev/null && mc cat lake/lakehouse/hello.txt')"
  [ "$got" = hi ]
}

# The REST catalog as the IcebergWarehouse construct configures it (SQLite file on a volume,
# S3FileIO on MinIO): a namespace and a table created over REST, the table's metadata file seen
# in the bucket, and both still there after a restart.
start_iceberg_rest() {
  docker rm -f -v lhsmoke-iceberg >/dev/null 2>&1 || true
  docker volume rm lhsmoke-iceberg-meta >/dev/null 2>&1 || true
  start_minio
  make_bucket lakehouse >/dev/null
  run lhsmoke-iceberg -v lhsmoke-iceberg-meta:/var/lib/iceberg \
    -e CATALOG_WAREHOUSE=s3://lakehouse/warehouse \
    -e CATALOG_URI=jdbc:sqlite:file:/var/lib/iceberg/catalog.db \
    -e CATALOG_IO__IMPL=org.apache.iceberg.aws.s3.S3FileIO \
    -e CATALOG_S3_ENDPOINT=http://lhsmoke-minio:9000 -e CATALOG_S3_PATH__STYLE__ACCESS=true \
    -e AWS_REGION=us-east-1 -e AWS_ACCESS_KEY_ID=lakehouse -e AWS_SECRET_ACCESS_KEY=lakehouse-secret \
    "$(image_tag iceberg-rest)"
  wait_healthy 90 lhsmoke-iceberg curl -fsS -o /dev/null http://localhost:8181/v1/config
}

smoke_iceberg_rest() {
  start_iceberg_rest
  local api=http://localhost:8181/v1
  docker exec lhsmoke-iceberg curl -fsS -X POST -H 'Content-Type: application/json' \
    "$api/namespaces" -d '{"namespace":["raw_data"]}' >/dev/null
  docker exec lhsmoke-iceberg curl -fsS -X POST -H 'Content-Type: application/json' \
    "$api/namespaces/raw_data/tables" -d '{"name":"users","schema":{"type":"struct","schema-id":0,
      "fields":[{"id":1,"name":"id","required":true,"type":"long"},
                {"id":2,"name":"data","required":false,"type":"string"}]}}' >/dev/null
  grep -q 'metadata.json' <<<"$(mc_ls lake/lakehouse/warehouse/raw_data/users/metadata/)"
  docker restart lhsmoke-iceberg >/dev/null
  wait_healthy 90 lhsmoke-iceberg curl -fsS -o /dev/null http://localhost:8181/v1/config
  local tables
  tables="$(docker exec lhsmoke-iceberg curl -fsS "$api/namespaces/raw_data/tables")"
  log "tables after restart: $tables"
  grep -q '"name":"users"' <<<"$tables"
  [ "$(docker exec lhsmoke-iceberg id -un)" = iceberg ]
  docker rm -f -v lhsmoke-iceberg >/dev/null
  docker volume rm lhsmoke-iceberg-meta >/dev/null
}

# A Flink session cluster configured as the StreamJob construct does (FLINK_PROPERTIES, uid 9999,
# checkpoints on MinIO), its SQL gateway, and a streaming SQL job submitted with sql-client.sh:
# Kafka (json) -> Iceberg table in the REST catalog. Passes when the Iceberg snapshot holds the
# rows and a checkpoint is on S3.
FLINK_PROPERTIES_SMOKE='jobmanager.rpc.address: lhsmoke-jm
rest.address: lhsmoke-jm
rest.port: 8081
taskmanager.numberOfTaskSlots: 2
parallelism.default: 1
jobmanager.memory.process.size: 1024m
taskmanager.memory.process.size: 1536m
state.backend.type: hashmap
state.checkpoints.dir: s3://lakehouse/flink/checkpoints
state.savepoints.dir: s3://lakehouse/flink/savepoints
execution.checkpointing.interval: 5000ms
execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION
s3.endpoint: http://lhsmoke-minio:9000
s3.path.style.access: true
restart-strategy.type: exponential-delay'

# iceberg_has_two_rows: table raw_data.users holds 2 records; leaves its last metadata in the caller's $meta.
iceberg_has_two_rows() {
  meta="$(docker exec lhsmoke-iceberg curl -fsS http://localhost:8181/v1/namespaces/raw_data/tables/users 2>/dev/null || true)"
  grep -q '"total-records":"2"' <<<"$meta"
}

smoke_flink() {
  local img; img="$(image_tag flink)"
  local s3env=(-e AWS_REGION=us-east-1 -e AWS_ACCESS_KEY_ID=lakehouse -e AWS_SECRET_ACCESS_KEY=lakehouse-secret)
  start_iceberg_rest
  start_kafka
  run lhsmoke-jm --user 9999 -e FLINK_PROPERTIES="$FLINK_PROPERTIES_SMOKE" "${s3env[@]}" "$img" jobmanager
  run lhsmoke-tm --user 9999 -e FLINK_PROPERTIES="$FLINK_PROPERTIES_SMOKE" "${s3env[@]}" "$img" taskmanager
  wait_healthy 120 lhsmoke-jm sh -c 'curl -fsS http://localhost:8081/overview | grep -q "\"taskmanagers\":1"'
  log "overview: $(docker exec lhsmoke-jm curl -fsS http://localhost:8081/overview)"
  run lhsmoke-gw --user 9999 -e FLINK_PROPERTIES="$FLINK_PROPERTIES_SMOKE" "${s3env[@]}" "$img" \
    /opt/flink/bin/sql-gateway.sh start-foreground \
    -Dsql-gateway.endpoint.rest.address=lhsmoke-gw -Dsql-gateway.endpoint.rest.bind-address=0.0.0.0 \
    -Dsql-gateway.endpoint.rest.port=8083 -Drest.address=lhsmoke-jm -Drest.port=8081 -Dexecution.target=remote
  wait_healthy 90 lhsmoke-gw curl -fsS -o /dev/null http://localhost:8083/v1/info
  printf '%s\n' '{"id":1,"name":"Zoë","balance":"1234.56"}' '{"id":2,"name":"Ann","balance":"0.01"}' |
    docker exec -i lhsmoke-kafka /opt/kafka/bin/kafka-console-producer.sh \
      --bootstrap-server lhsmoke-kafka:9092 --topic bank.public.users 2>/dev/null
  docker exec -i lhsmoke-jm sh -c 'cat > /tmp/job.sql' <<'SQL'
SET 'pipeline.name' = 'smoke-kafka-to-iceberg';
CREATE CATALOG lake WITH (
  'type' = 'iceberg', 'catalog-type' = 'rest', 'uri' = 'http://lhsmoke-iceberg:8181',
  'warehouse' = 's3://lakehouse/warehouse', 'io-impl' = 'org.apache.iceberg.aws.s3.S3FileIO',
  's3.endpoint' = 'http://lhsmoke-minio:9000', 's3.path-style-access' = 'true');
CREATE DATABASE IF NOT EXISTS lake.raw_data;
CREATE TABLE IF NOT EXISTS lake.raw_data.users (id INT, name STRING, balance DECIMAL(18,2));
CREATE TEMPORARY TABLE src (id INT, name STRING, balance DECIMAL(18,2)) WITH (
  'connector' = 'kafka', 'topic' = 'bank.public.users',
  'properties.bootstrap.servers' = 'lhsmoke-kafka:9092', 'properties.group.id' = 'smoke',
  'scan.startup.mode' = 'earliest-offset', 'format' = 'json');
INSERT INTO lake.raw_data.users SELECT * FROM src;
SQL
  docker exec lhsmoke-jm /opt/flink/bin/sql-client.sh -f /tmp/job.sql 2>&1 | grep -E 'Job ID|ERROR|Exception' >&2
  local t0=$SECONDS meta=""
  wait_for 90 iceberg_has_two_rows || true
  log "iceberg snapshot after $((SECONDS - t0))s: $(grep -o '"total-records":"[0-9]*"' <<<"$meta" | tail -1)"
  grep -q '"total-records":"2"' <<<"$meta"
  grep -q '_metadata' <<<"$(mc_ls lake/lakehouse/flink/checkpoints/)"
  log "jobs: $(docker exec lhsmoke-jm curl -fsS http://localhost:8081/jobs/overview | grep -o '"state":"[A-Z]*"')"
}

# trino_query CONTAINER SQL: run SQL through the /v1/statement protocol with curl inside the
# container; prints the "data" (or "error") parts of the responses.
trino_query() {
  docker exec "$1" bash -c '
    r=$(curl -fsS -X POST -H "X-Trino-User: smoke" --data-binary "$1" http://localhost:8080/v1/statement) || exit 1
    out="$r"
    while next=$(grep -o "\"nextUri\":\"[^\"]*\"" <<<"$r" | cut -d\" -f4) && [ -n "$next" ]; do
      sleep 0.2; r=$(curl -fsS "$next") || exit 1; out+="$r"
    done
    grep -o "\"data\":\[.*\]\]\|\"error\":{\"message\":\"[^\"]*\"" <<<"$out" || true' _ "$2"
}

# Trino with the QueryEngine construct's files mounted over /etc/trino (iceberg REST catalog
# with native S3 on MinIO, credentials from ${ENV:...}): SELECT 1, then a schema, a table,
# an insert and a read back through Iceberg.
smoke_trino() {
  start_iceberg_rest
  local etc; etc="$(mktemp -d)"
  mkdir -p "$etc/catalog"
  cat > "$etc/catalog/iceberg.properties" <<'PROPS'
connector.name=iceberg
iceberg.catalog.type=rest
iceberg.rest-catalog.uri=http://lhsmoke-iceberg:8181
iceberg.rest-catalog.warehouse=s3://lakehouse/warehouse
iceberg.file-format=PARQUET
fs.native-s3.enabled=true
s3.endpoint=http://lhsmoke-minio:9000
s3.region=us-east-1
s3.path-style-access=true
s3.aws-access-key=${ENV:S3_ACCESS_KEY}
s3.aws-secret-key=${ENV:S3_SECRET_KEY}
PROPS
  printf 'node.environment=lakehouse\nnode.data-dir=/data/trino\n' > "$etc/node.properties"
  printf 'coordinator=true\nnode-scheduler.include-coordinator=true\nhttp-server.http.port=8080\ndiscovery.uri=http://lhsmoke-trino:8080\nquery.max-memory-per-node=384MB\n' \
    > "$etc/config.properties"
  chmod -R a+rX "$etc"
  run lhsmoke-trino --user 1000 --memory 2g -e S3_ACCESS_KEY=lakehouse -e S3_SECRET_KEY=lakehouse-secret \
    -v "$etc/catalog/iceberg.properties:/etc/trino/catalog/iceberg.properties:ro" \
    -v "$etc/node.properties:/etc/trino/node.properties:ro" \
    -v "$etc/config.properties:/etc/trino/config.properties:ro" \
    "$(image_tag trino)"
  wait_healthy 180 lhsmoke-trino /usr/lib/trino/bin/health-check
  local out
  out="$(trino_query lhsmoke-trino 'SELECT 1')"; log "SELECT 1 -> $out"
  [ "$out" = '"data":[[1]]' ]
  local stmt
  for stmt in 'CREATE SCHEMA iceberg.smoke' \
      'CREATE TABLE iceberg.smoke.accounts (id bigint, owner varchar, balance decimal(18,2))' \
      "INSERT INTO iceberg.smoke.accounts VALUES (1, 'Zoë', 1234.56), (2, 'Ann', 0.01)"; do
    out="$(trino_query lhsmoke-trino "$stmt")"
    if grep -q '"error"' <<<"$out"; then log "$stmt -> $out"; return 1; fi
  done
  out="$(trino_query lhsmoke-trino 'SELECT count(*), sum(balance), max(owner) FROM iceberg.smoke.accounts')"
  log "iceberg read back -> $out"
  [ "$out" = '"data":[[2,"1234.57","Zoë"]]' ]
  grep -q '\.parquet' <<<"$(mc_ls lake/lakehouse/warehouse/smoke/)"
  rm -rf "$etc"
}

# The job runner: Debian's Node.js as uid 1000, reaching a service with the built-in fetch the
# way jobs/lib.js does.
smoke_node() {
  start_minio
  docker run --rm --label "$LABEL" --network "$NET" --user 1000 "$(image_tag node)" node -e '
    fetch("http://lhsmoke-minio:9000/minio/health/live")
      .then((r) => { console.error("node " + process.version + ": minio live " + r.status); process.exit(r.ok ? 0 : 1); })
      .catch((e) => { console.error(e); process.exit(1); });'
}

# Prometheus as Monitoring runs it (its own config, nobody, a volume): ready, its rule file loaded,
# and promtool beside it.
smoke_prometheus() {
  docker run --rm --label "$LABEL" --entrypoint promtool "$(image_tag prometheus)" --version | head -1 >&2
  run lhsmoke-prometheus --entrypoint sh "$(image_tag prometheus)" -c '
    printf "rule_files: [/tmp/rules.yml]\nscrape_configs: [{job_name: self, static_configs: [{targets: [\"localhost:9090\"]}]}]\n" > /tmp/prometheus.yml
    printf "groups: [{name: smoke, rules: [{alert: Always, expr: vector(1)}]}]\n" > /tmp/rules.yml
    exec /bin/prometheus --config.file=/tmp/prometheus.yml --storage.tsdb.path=/prometheus'
  wait_healthy 60 lhsmoke-prometheus curl -fsS http://localhost:9090/-/ready
  docker exec lhsmoke-prometheus curl -fsS http://localhost:9090/api/v1/rules | grep -q '"name":"Always"'
}

# Alertmanager as Monitoring runs it (no gossip cluster): ready, and it takes an alert over API v2.
smoke_alertmanager() {
  run lhsmoke-alertmanager --entrypoint sh "$(image_tag alertmanager)" -c '
    printf "route: {receiver: default}\nreceivers: [{name: default}]\n" > /tmp/alertmanager.yml
    exec /bin/alertmanager --config.file=/tmp/alertmanager.yml --storage.path=/alertmanager --cluster.listen-address='
  wait_healthy 60 lhsmoke-alertmanager curl -fsS http://localhost:9093/-/ready
  docker exec lhsmoke-alertmanager curl -fsS -X POST -H 'Content-Type: application/json' \
    -d '[{"labels":{"alertname":"Smoke"}}]' http://localhost:9093/api/v2/alerts
  docker exec lhsmoke-alertmanager curl -fsS http://localhost:9093/api/v2/alerts | grep -q '"alertname":"Smoke"'
}

smoke_postgres_exporter() {
  docker run --rm --label "$LABEL" "$(image_tag postgres-exporter)" --version 2>&1 | head -1 >&2
}

# The probe's libraries load as uid 1000, and the probe script (mounted, as Monitoring mounts it) parses.
smoke_freshness_probe() {
  docker run --rm --label "$LABEL" --user 1000 "$(image_tag freshness-probe)" | grep -q "runtime ok"
  docker run --rm --label "$LABEL" --user 1000 -v "$ROOT/monitoring/freshness-probe.js:/opt/lakehouse/freshness-probe.js:ro" \
    "$(image_tag freshness-probe)" node --check /opt/lakehouse/freshness-probe.js
}

# Superset as the Dashboards construct runs it: a PostgreSQL app database (DATABASE_* variables),
# the admin from ADMIN_*, the default command (db upgrade, admin, init, gunicorn) as uid 1000.
# Checks /health, a JWT login, that CSRF stays on for the API, the metadata in PostgreSQL, the
# Trino SQLAlchemy driver, and a restart (admin kept, not duplicated).
superset_login() { # superset_login PASSWORD: prints an access token
  docker exec lhsmoke-superset curl -fsS -X POST -H 'Content-Type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$1\",\"provider\":\"db\"}" \
    http://localhost:8088/api/v1/security/login |
    docker exec -i lhsmoke-superset python -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

smoke_superset() {
  run lhsmoke-superset-db -e POSTGRES_USER=superset -e POSTGRES_PASSWORD=dbpw -e POSTGRES_DB=superset \
    "$(image_tag postgres)"
  wait_healthy 60 lhsmoke-superset-db pg_isready -U superset -d superset -h 127.0.0.1
  run lhsmoke-superset --memory 1536m \
    -e SUPERSET_SECRET_KEY=smoke-secret-key-0123456789abcdefghij \
    -e DATABASE_HOST=lhsmoke-superset-db -e DATABASE_USER=superset -e DATABASE_PASSWORD=dbpw -e DATABASE_DB=superset \
    -e ADMIN_USERNAME=admin -e ADMIN_PASSWORD=admin-pw -e ADMIN_EMAIL=admin@lakehouse.local \
    "$(image_tag superset)"
  wait_healthy 300 lhsmoke-superset curl -fsS -o /dev/null http://localhost:8088/health
  [ "$(docker exec lhsmoke-superset id -u)" = 1000 ] || { log "superset does not run as uid 1000"; return 1; }
  local token; token="$(superset_login admin-pw)"
  [ -n "$token" ] || { log "no access token"; return 1; }
  local me; me="$(docker exec lhsmoke-superset curl -fsS -H "Authorization: Bearer $token" http://localhost:8088/api/v1/me/)"
  log "superset /api/v1/me: $me"
  grep -q '"username": *"admin"' <<<"$me"
  # CSRF stays on: a mutating API call with only the bearer token is refused.
  local code
  code="$(docker exec lhsmoke-superset curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"database_name":"x","sqlalchemy_uri":"trino://x@localhost:1/iceberg"}' \
    http://localhost:8088/api/v1/database/)"
  [ "$code" = 400 ] || { log "POST without a CSRF token answered $code, want 400"; return 1; }
  docker exec lhsmoke-superset python -c \
    "import sqlalchemy as sa; print('trino dialect:', sa.create_engine('trino://u@trino:8080/iceberg').dialect.name)" >&2
  local users
  users="$(docker exec lhsmoke-superset-db psql -U superset -d superset -Atc "SELECT count(*) FROM ab_user WHERE username = 'admin'")"
  [ "$users" = 1 ] || { log "admin rows in PostgreSQL: $users"; return 1; }
  docker restart lhsmoke-superset >/dev/null
  wait_healthy 300 lhsmoke-superset curl -fsS -o /dev/null http://localhost:8088/health
  grep -q "already exists" <<<"$(docker logs lhsmoke-superset 2>&1)" || { log "restart did not find the admin"; return 1; }
  [ -n "$(superset_login admin-pw)" ]
  users="$(docker exec lhsmoke-superset-db psql -U superset -d superset -Atc "SELECT count(*) FROM ab_user")"
  [ "$users" = 1 ] || { log "users after restart: $users"; return 1; }
}

# ---------------------------------------------------------------------------------------------

docker network create "$NET" >/dev/null 2>&1 || true
declare -A result=()
failed=0
for img in "$@"; do
  fn="smoke_${img//-/_}"
  declare -F "$fn" >/dev/null || { log "no smoke test for $img"; result[$img]=missing; failed=1; continue; }
  log "=== $img ($(image_tag "$img"))"
  t0=$(date +%s)
  # A subshell outside any condition, so `set -e` holds inside the test.
  set +e; ( set -e; "$fn" ); rc=$?; set -e
  if [ "$rc" = 0 ]; then result[$img]="passed ($(( $(date +%s) - t0 ))s)"; else result[$img]=FAILED; failed=1; fi
  cleanup
  docker network create "$NET" >/dev/null 2>&1 || true
done
printf '\n'
for img in "$@"; do printf '%-20s %s\n' "$img" "${result[$img]}"; done
exit "$failed"
