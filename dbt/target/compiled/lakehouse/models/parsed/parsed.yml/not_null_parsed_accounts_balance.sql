
    
    



select balance
from "iceberg"."analytics_parsed"."parsed_accounts"
where balance is null


