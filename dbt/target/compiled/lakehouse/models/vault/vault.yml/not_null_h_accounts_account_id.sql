
    
    



select account_id
from "iceberg"."analytics_vault"."h_accounts"
where account_id is null


