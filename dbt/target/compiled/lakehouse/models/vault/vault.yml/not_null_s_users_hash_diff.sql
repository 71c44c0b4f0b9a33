
    
    



select hash_diff
from "iceberg"."analytics_vault"."s_users"
where hash_diff is null


