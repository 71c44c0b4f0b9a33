
    
    



select hk_user
from "iceberg"."analytics_vault"."l_users_accounts"
where hk_user is null


