-- Raw CDC log: every Debezium event of a table as one row, partitioned by event day.
-- `data` holds the row as JSON (the `after` image, or `before` for deletes).
{{#tables}}
CREATE TEMPORARY TABLE kafka_raw_{{name}} (
  `before` STRING,
  `after` STRING,
  `op` STRING,
  `ts_ms` BIGINT,
  `source` ROW<`db` STRING, `schema` STRING, `table` STRING, `lsn` BIGINT, `txId` BIGINT, `ts_ms` BIGINT>
) WITH (
  'connector' = 'kafka',
  'topic' = '{{topic}}',
  'properties.bootstrap.servers' = '{{bootstrap}}',
  'properties.group.id' = '{{consumerGroup}}-raw',
  'scan.startup.mode' = 'earliest-offset',
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
{{/tables}}
