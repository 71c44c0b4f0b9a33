
    
    



select data
from "iceberg"."raw_data"."users"
where data is null


