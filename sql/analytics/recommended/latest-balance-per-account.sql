-- Latest balance of every account that still exists, from the current-state table the Flink job
-- keeps (one row per account, deletes applied): the same answer as replaying the raw log, read
-- instead of recomputed.
SELECT id AS account_id, user_id, balance, currency
FROM {{catalog}}.{{stateDatabase}}.accounts
ORDER BY account_id
