
    
    



select event_ts
from "iceberg"."analytics_parsed"."parsed_accounts"
where event_ts is null


