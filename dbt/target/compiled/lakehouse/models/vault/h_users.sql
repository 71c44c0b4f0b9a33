-- Hub of users: one row per business key (the PostgreSQL id), first seen time and source.
with changes as (
  select user_id, event_ts, record_source
  from "iceberg"."analytics_parsed"."parsed_users"
  where event_ts >= (select coalesce(max(load_ts), timestamp '1970-01-01 00:00:00 UTC') - interval '60' minute from "iceberg"."analytics_vault"."h_users")
),
first_seen as (
  select user_id, min(event_ts) as load_ts, min(record_source) as record_source
  from changes
  group by user_id
)
select lower(to_hex(md5(to_utf8(concat_ws('||', coalesce(upper(trim(cast(user_id as varchar))), '')))))) as hk_user, user_id, load_ts, record_source
from first_seen

where lower(to_hex(md5(to_utf8(concat_ws('||', coalesce(upper(trim(cast(user_id as varchar))), '')))))) not in (select hk_user from "iceberg"."analytics_vault"."h_users")
