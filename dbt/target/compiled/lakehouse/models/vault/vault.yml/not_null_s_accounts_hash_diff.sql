
    
    



select hash_diff
from "iceberg"."analytics_vault"."s_accounts"
where hash_diff is null


