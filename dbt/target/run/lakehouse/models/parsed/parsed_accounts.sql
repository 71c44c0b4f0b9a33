
  create or replace view
    "iceberg"."analytics_parsed"."parsed_accounts"
  security definer
  as
    -- One row per change of an account, typed from the JSON image of the raw CDC log
-- (balances arrive as strings: the connector uses decimal.handling.mode=string).
select
  json_extract_scalar(data, '$.id') as account_id,
  json_extract_scalar(data, '$.user_id') as user_id,
  cast(json_extract_scalar(data, '$.balance') as decimal(18, 2)) as balance,
  json_extract_scalar(data, '$.currency') as currency,
  cast(from_iso8601_timestamp_nanos(json_extract_scalar(data, '$.updated_at')) as timestamp(6) with time zone) as updated_at,
  op,
  op = 'd' as is_deleted,
  cast(from_unixtime(source_ts_ms / 1e3) as timestamp(6) with time zone) as event_ts,
  event_date,
  source_lsn,
  'postgres.' || source_schema || '.' || source_table as record_source
from "iceberg"."raw_data"."accounts"
  ;
