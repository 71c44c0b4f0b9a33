
    
    



select load_ts
from "iceberg"."analytics_vault"."h_accounts"
where load_ts is null


