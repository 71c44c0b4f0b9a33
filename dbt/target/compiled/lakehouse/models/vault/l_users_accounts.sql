-- Link of each account to the user who owns it (accounts.user_id), one row per pair.
with changes as (
  select user_id, account_id, event_ts, record_source
  from "iceberg"."analytics_parsed"."parsed_accounts"
  where event_ts >= (select coalesce(max(load_ts), timestamp '1970-01-01 00:00:00 UTC') - interval '60' minute from "iceberg"."analytics_vault"."l_users_accounts")
),
pairs as (
  select user_id, account_id, min(event_ts) as load_ts, min(record_source) as record_source
  from changes
  group by user_id, account_id
)
select
  lower(to_hex(md5(to_utf8(concat_ws('||', coalesce(upper(trim(cast(user_id as varchar))), ''), coalesce(upper(trim(cast(account_id as varchar))), '')))))) as hk_user_account,
  lower(to_hex(md5(to_utf8(concat_ws('||', coalesce(upper(trim(cast(user_id as varchar))), '')))))) as hk_user,
  lower(to_hex(md5(to_utf8(concat_ws('||', coalesce(upper(trim(cast(account_id as varchar))), '')))))) as hk_account,
  load_ts,
  record_source
from pairs

where lower(to_hex(md5(to_utf8(concat_ws('||', coalesce(upper(trim(cast(user_id as varchar))), ''), coalesce(upper(trim(cast(account_id as varchar))), '')))))) not in (select hk_user_account from "iceberg"."analytics_vault"."l_users_accounts")
