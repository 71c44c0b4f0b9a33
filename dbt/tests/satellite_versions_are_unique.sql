-- A satellite holds each version once: no two rows for the same key, LSN and load time.
select 'users' as satellite, hk_user as hk, source_lsn, load_ts, count(*) as n
from {{ ref('s_users') }} group by hk_user, source_lsn, load_ts having count(*) > 1
union all
select 'accounts', hk_account, source_lsn, load_ts, count(*)
from {{ ref('s_accounts') }} group by hk_account, source_lsn, load_ts having count(*) > 1
union all
select 'account_owner', hk_account, source_lsn, load_ts, count(*)
from {{ ref('s_account_owner') }} group by hk_account, source_lsn, load_ts having count(*) > 1
