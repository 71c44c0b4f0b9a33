-- Satellite of users: every version of a user's descriptive attributes (deletes included).

with changes as (
  select
    lower(to_hex(md5(to_utf8(concat_ws('||', coalesce(upper(trim(cast(user_id as varchar))), '')))))) as hk_user,
    lower(to_hex(md5(to_utf8(concat_ws('||', coalesce(cast(email as varchar), '^^'), coalesce(cast(name as varchar), '^^'), coalesce(cast(created_at as varchar), '^^'), coalesce(cast(is_deleted as varchar), '^^')))))) as hash_diff,
    email, name, created_at,
    is_deleted,
    event_ts as load_ts,
    source_lsn,
    record_source
  from "iceberg"."analytics_parsed"."parsed_users"
  where event_ts >= (select coalesce(max(load_ts), timestamp '1970-01-01 00:00:00 UTC') - interval '60' minute from "iceberg"."analytics_vault"."s_users")
),
chained as (
  select *, lag(hash_diff) over (partition by hk_user order by load_ts, source_lsn) as previous_diff
  from changes
)

, before_window as (
  select hk_user, max_by(hash_diff, load_ts) as hash_diff
  from "iceberg"."analytics_vault"."s_users"
  where load_ts < (select coalesce(max(load_ts), timestamp '1970-01-01 00:00:00 UTC') - interval '60' minute from "iceberg"."analytics_vault"."s_users")
  group by hk_user
)
select c.hk_user, c.hash_diff, c.email, c.name, c.created_at, c.is_deleted, c.load_ts, c.source_lsn, c.record_source
from chained c
left join before_window b on b.hk_user = c.hk_user
where coalesce(c.previous_diff, b.hash_diff, '') <> c.hash_diff
  and not exists (
    select 1 from "iceberg"."analytics_vault"."s_users" t
    where t.hk_user = c.hk_user and t.source_lsn = c.source_lsn and t.load_ts = c.load_ts
  )

