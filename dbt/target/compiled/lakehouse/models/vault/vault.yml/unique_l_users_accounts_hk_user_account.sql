
    
    

select
    hk_user_account as unique_field,
    count(*) as n_records

from "iceberg"."analytics_vault"."l_users_accounts"
where hk_user_account is not null
group by hk_user_account
having count(*) > 1


