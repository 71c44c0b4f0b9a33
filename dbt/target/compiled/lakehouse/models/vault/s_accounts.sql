-- Satellite of accounts: every version of balance and currency (deletes included).

with changes as (
  select
    lower(to_hex(md5(to_utf8(concat_ws('||', coalesce(upper(trim(cast(account_id as varchar))), '')))))) as hk_account,
    lower(to_hex(md5(to_utf8(concat_ws('||', coalesce(cast(balance as varchar), '^^'), coalesce(cast(currency as varchar), '^^'), coalesce(cast(updated_at as varchar), '^^'), coalesce(cast(is_deleted as varchar), '^^')))))) as hash_diff,
    balance, currency, updated_at,
    is_deleted,
    event_ts as load_ts,
    source_lsn,
    record_source
  from "iceberg"."analytics_parsed"."parsed_accounts"
  where event_ts >= (select coalesce(max(load_ts), timestamp '1970-01-01 00:00:00 UTC') - interval '60' minute from "iceberg"."analytics_vault"."s_accounts")
),
chained as (
  select *, lag(hash_diff) over (partition by hk_account order by load_ts, source_lsn) as previous_diff
  from changes
)

, before_window as (
  select hk_account, max_by(hash_diff, load_ts) as hash_diff
  from "iceberg"."analytics_vault"."s_accounts"
  where load_ts < (select coalesce(max(load_ts), timestamp '1970-01-01 00:00:00 UTC') - interval '60' minute from "iceberg"."analytics_vault"."s_accounts")
  group by hk_account
)
select c.hk_account, c.hash_diff, c.balance, c.currency, c.updated_at, c.is_deleted, c.load_ts, c.source_lsn, c.record_source
from chained c
left join before_window b on b.hk_account = c.hk_account
where coalesce(c.previous_diff, b.hash_diff, '') <> c.hash_diff
  and not exists (
    select 1 from "iceberg"."analytics_vault"."s_accounts" t
    where t.hk_account = c.hk_account and t.source_lsn = c.source_lsn and t.load_ts = c.load_ts
  )

