-- Latest balance of every account that exists now: the newest satellite version of each
-- account, its business key from the hub and its owner from the newest version of the owner
-- satellite (commit time, then LSN, like the balance).
select a.account_id, owner.user_id, cast(latest.balance as decimal(18, 2)) as balance, latest.currency
from {{ latest_version('s_accounts', 'hk_account') }} as latest
join {{ ref('h_accounts') }} as a on a.hk_account = latest.hk_account
join {{ latest_version('s_account_owner', 'hk_account') }} as owner on owner.hk_account = latest.hk_account
where not latest.is_deleted
