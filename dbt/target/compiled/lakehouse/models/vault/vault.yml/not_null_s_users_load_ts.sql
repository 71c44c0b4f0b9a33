
    
    



select load_ts
from "iceberg"."analytics_vault"."s_users"
where load_ts is null


