
    
    



select hk_account
from "iceberg"."analytics_vault"."l_users_accounts"
where hk_account is null


