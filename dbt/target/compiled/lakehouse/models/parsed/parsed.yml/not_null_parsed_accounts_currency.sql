
    
    



select currency
from "iceberg"."analytics_parsed"."parsed_accounts"
where currency is null


