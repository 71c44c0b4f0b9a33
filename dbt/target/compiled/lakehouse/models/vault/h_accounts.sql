-- Hub of accounts: one row per business key (the PostgreSQL id), first seen time and source.
with changes as (
  select account_id, event_ts, record_source
  from "iceberg"."analytics_parsed"."parsed_accounts"
  where event_ts >= (select coalesce(max(load_ts), timestamp '1970-01-01 00:00:00 UTC') - interval '60' minute from "iceberg"."analytics_vault"."h_accounts")
),
first_seen as (
  select account_id, min(event_ts) as load_ts, min(record_source) as record_source
  from changes
  group by account_id
)
select lower(to_hex(md5(to_utf8(concat_ws('||', coalesce(upper(trim(cast(account_id as varchar))), '')))))) as hk_account, account_id, load_ts, record_source
from first_seen

where lower(to_hex(md5(to_utf8(concat_ws('||', coalesce(upper(trim(cast(account_id as varchar))), '')))))) not in (select hk_account from "iceberg"."analytics_vault"."h_accounts")
