-- Change operations per day and table (c = insert, u = update, d = delete, r = snapshot read),
-- from the raw CDC log.
SELECT event_date AS day, source_table AS table_name, op, count(*) AS operations
FROM (
{{#tables}}
  SELECT event_date, source_table, op FROM {{catalog}}.{{rawDatabase}}.{{name}}
{{^last}}
  UNION ALL
{{/last}}
{{/tables}}
) AS events
GROUP BY event_date, source_table, op
ORDER BY day, table_name, op
