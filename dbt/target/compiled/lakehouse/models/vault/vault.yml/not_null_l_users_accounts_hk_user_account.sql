
    
    



select hk_user_account
from "iceberg"."analytics_vault"."l_users_accounts"
where hk_user_account is null


