
    
    



select user_id
from "iceberg"."analytics"."latest_balance_per_account"
where user_id is null


