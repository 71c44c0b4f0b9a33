
    
    



select load_ts
from "iceberg"."analytics_vault"."s_accounts"
where load_ts is null


