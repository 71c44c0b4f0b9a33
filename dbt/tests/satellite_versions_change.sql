-- Consecutive versions of a key differ: a satellite never stores an unchanged copy.
with ordered as (
  select hk_account as hk, hash_diff, lag(hash_diff) over (partition by hk_account order by load_ts, source_lsn) as previous_diff
  from {{ ref('s_accounts') }}
  union all
  select hk_account, hash_diff, lag(hash_diff) over (partition by hk_account order by load_ts, source_lsn)
  from {{ ref('s_account_owner') }}
  union all
  select hk_user, hash_diff, lag(hash_diff) over (partition by hk_user order by load_ts, source_lsn)
  from {{ ref('s_users') }}
)
select * from ordered where hash_diff = previous_diff
