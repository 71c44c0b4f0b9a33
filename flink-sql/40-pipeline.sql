-- One job for all tables: both writes of every table, committed together on each checkpoint.
EXECUTE STATEMENT SET
BEGIN
{{#tables}}
{{#raw}}
INSERT INTO lakehouse.{{rawDatabase}}.{{name}}
SELECT
  COALESCE(`after`, `before`) AS `data`,
  `op`,
  `ts_ms`,
  `source`.`db`,
  `source`.`schema`,
  `source`.`table`,
  `source`.`lsn`,
  `source`.`txId`,
  `source`.`ts_ms`,
  CAST(TO_TIMESTAMP_LTZ(`ts_ms`, 3) AS DATE) AS `event_date`
FROM kafka_raw_{{name}};

{{/raw}}
-- Columns named: a previous version, restored after a failed upgrade, still writes to the table
-- its successor evolved (added columns stay NULL).
INSERT INTO lakehouse.{{stateDatabase}}.{{name}} ({{columnList}})
SELECT
{{selectList}}
FROM kafka_cdc_{{name}};

{{/tables}}
END;
