
    
    



select hk_account
from "iceberg"."analytics_vault"."h_accounts"
where hk_account is null


