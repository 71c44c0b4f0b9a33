
    
    



select balance
from "iceberg"."analytics"."latest_balance_per_account"
where balance is null


