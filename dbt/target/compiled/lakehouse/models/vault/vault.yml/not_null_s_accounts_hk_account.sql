
    
    



select hk_account
from "iceberg"."analytics_vault"."s_accounts"
where hk_account is null


