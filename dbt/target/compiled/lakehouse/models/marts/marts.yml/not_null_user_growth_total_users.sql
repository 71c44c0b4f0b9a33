
    
    



select total_users
from "iceberg"."analytics"."user_growth"
where total_users is null


