-- Raw CDC log: every Debezium event of a table as one row, partitioned by event day.
-- `data` holds the row as JSON (the `after` image, or `before` for deletes).
-- Kafka sources: only committed records (Kafka Connect writes each batch and its source offset in
-- one transaction, so a crashed worker's resent batch is never read twice); a pattern, so a newly
-- captured table whose topic does not exist yet is picked up when it appears; offsets from the
-- restored checkpoint, else from the consumer group (committed on each checkpoint), so a source
-- whose state does not carry over an upgrade resumes where it was instead of replaying.
{{#tables}}
{{#raw}}
CREATE TEMPORARY TABLE kafka_raw_{{name}} (
  `before` STRING,
  `after` STRING,
  `op` STRING,
  `ts_ms` BIGINT,
  `source` ROW<`db` STRING, `schema` STRING, `table` STRING, `lsn` BIGINT, `txId` BIGINT, `ts_ms` BIGINT>
) WITH (
  'connector' = 'kafka',
  'topic-pattern' = '{{topicPattern}}',
  'scan.topic-partition-discovery.interval' = '10s',
  'properties.bootstrap.servers' = '{{bootstrap}}',
  'properties.group.id' = '{{consumerGroup}}-raw',
  'scan.startup.mode' = 'group-offsets',
  'properties.auto.offset.reset' = 'earliest',
  'properties.isolation.level' = 'read_committed',
  'format' = 'json',
  'json.fail-on-missing-field' = 'false',
  'json.ignore-parse-errors' = 'false'
);

CREATE TABLE IF NOT EXISTS lakehouse.{{rawDatabase}}.{{name}} (
  `data` STRING,
  `op` STRING,
  `ts_ms` BIGINT,
  `source_db` STRING,
  `source_schema` STRING,
  `source_table` STRING,
  `source_lsn` BIGINT,
  `source_tx_id` BIGINT,
  `source_ts_ms` BIGINT,
  `event_date` DATE
) PARTITIONED BY (`event_date`) WITH (
  'format-version' = '2'
);
{{/raw}}
{{/tables}}
