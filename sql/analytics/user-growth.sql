-- New users per day and the running total, from the current-state users table.
SELECT day, new_users, sum(new_users) OVER (ORDER BY day) AS total_users
FROM (
  SELECT CAST(created_at AS date) AS day, count(*) AS new_users
  FROM {{catalog}}.{{stateDatabase}}.users
  GROUP BY CAST(created_at AS date)
) AS daily
ORDER BY day
