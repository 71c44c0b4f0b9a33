-- Current state: one Iceberg table per source table, upserted by primary key, deletes applied,
-- so Trino shows what PostgreSQL holds now.
{{#tables}}
CREATE TEMPORARY TABLE kafka_cdc_{{name}} (
{{sourceColumns}},
  PRIMARY KEY ({{primaryKey}}) NOT ENFORCED
) WITH (
  'connector' = 'kafka',
  'topic-pattern' = '{{topicPattern}}',
  'scan.topic-partition-discovery.interval' = '10s',
  'properties.bootstrap.servers' = '{{bootstrap}}',
  'properties.group.id' = '{{consumerGroup}}-state',
  'scan.startup.mode' = 'group-offsets',
  'properties.auto.offset.reset' = 'earliest',
  'properties.isolation.level' = 'read_committed',
  'format' = 'debezium-json'
);

CREATE TABLE IF NOT EXISTS lakehouse.{{stateDatabase}}.{{name}} (
{{sinkColumns}},
  PRIMARY KEY ({{primaryKey}}) NOT ENFORCED
) WITH (
  'format-version' = '2',
  'write.upsert.enabled' = 'true'
);
{{/tables}}
