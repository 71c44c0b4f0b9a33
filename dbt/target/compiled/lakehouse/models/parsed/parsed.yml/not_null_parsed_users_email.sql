
    
    



select email
from "iceberg"."analytics_parsed"."parsed_users"
where email is null


