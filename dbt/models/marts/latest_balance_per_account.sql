-- Latest balance of every account that exists now: the newest satellite version of each
-- account, its business key from the hub and its owner through the link.
with owner as (
  select hk_account, user_id
  from (
    select l.hk_account, u.user_id, row_number() over (partition by l.hk_account order by l.load_ts desc) as newest
    from {{ ref('l_users_accounts') }} as l
    join {{ ref('h_users') }} as u on u.hk_user = l.hk_user
  ) as links
  where newest = 1
)
select a.account_id, o.user_id, cast(latest.balance as decimal(18, 2)) as balance, latest.currency
from {{ latest_version('s_accounts', 'hk_account') }} as latest
join {{ ref('h_accounts') }} as a on a.hk_account = latest.hk_account
join owner as o on o.hk_account = latest.hk_account
where not latest.is_deleted
