
    
    



select balance
from "iceberg"."analytics_vault"."s_accounts"
where balance is null


