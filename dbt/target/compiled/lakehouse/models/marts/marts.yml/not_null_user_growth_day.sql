
    
    



select day
from "iceberg"."analytics"."user_growth"
where day is null


