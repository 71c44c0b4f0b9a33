
  create or replace view
    "iceberg"."analytics_parsed"."parsed_users"
  security definer
  as
    -- One row per change of a user, typed from the JSON image of the raw CDC log.
select
  json_extract_scalar(data, '$.id') as user_id,
  json_extract_scalar(data, '$.email') as email,
  json_extract_scalar(data, '$.name') as name,
  cast(from_iso8601_timestamp_nanos(json_extract_scalar(data, '$.created_at')) as timestamp(6) with time zone) as created_at,
  op,
  op = 'd' as is_deleted,
  cast(from_unixtime(source_ts_ms / 1e3) as timestamp(6) with time zone) as event_ts,
  event_date,
  source_lsn,
  'postgres.' || source_schema || '.' || source_table as record_source
from "iceberg"."raw_data"."users"
  ;
