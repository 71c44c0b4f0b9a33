
    
    



select load_ts
from "iceberg"."analytics_vault"."h_users"
where load_ts is null


