
    
    

select
    hk_account as unique_field,
    count(*) as n_records

from "iceberg"."analytics_vault"."h_accounts"
where hk_account is not null
group by hk_account
having count(*) > 1


