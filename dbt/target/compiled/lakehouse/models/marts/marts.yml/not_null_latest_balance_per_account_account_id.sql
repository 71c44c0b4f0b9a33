
    
    



select account_id
from "iceberg"."analytics"."latest_balance_per_account"
where account_id is null


