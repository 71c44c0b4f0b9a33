-- Latest balance of every account that exists now: the newest satellite version of each
-- account, its business key from the hub and its owner through the link.
with latest as (
  select hk_account,
    max_by(balance, load_ts) as balance,
    max_by(currency, load_ts) as currency,
    max_by(is_deleted, load_ts) as is_deleted
  from {{ ref('s_accounts') }}
  group by hk_account
),
owner as (
  select l.hk_account, max_by(u.user_id, l.load_ts) as user_id
  from {{ ref('l_users_accounts') }} l
  join {{ ref('h_users') }} u on u.hk_user = l.hk_user
  group by l.hk_account
)
select a.account_id, o.user_id, cast(latest.balance as decimal(18, 2)) as balance, latest.currency
from latest
join {{ ref('h_accounts') }} a on a.hk_account = latest.hk_account
join owner o on o.hk_account = latest.hk_account
where not latest.is_deleted
