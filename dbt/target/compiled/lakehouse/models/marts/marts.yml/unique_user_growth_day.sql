
    
    

select
    day as unique_field,
    count(*) as n_records

from "iceberg"."analytics"."user_growth"
where day is not null
group by day
having count(*) > 1


