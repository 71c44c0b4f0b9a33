-- Latest balance of every account that still exists, replayed from the raw CDC log
-- (the seed used QUALIFY, which Trino lacks: a ranked subquery does the same).
SELECT account_id, user_id, balance, currency
FROM (
  SELECT
    json_extract_scalar(data, '$.id') AS account_id,
    json_extract_scalar(data, '$.user_id') AS user_id,
    CAST(json_extract_scalar(data, '$.balance') AS decimal(18, 2)) AS balance,
    json_extract_scalar(data, '$.currency') AS currency,
    op,
    row_number() OVER (PARTITION BY json_extract_scalar(data, '$.id') ORDER BY source_lsn DESC, ts_ms DESC) AS rn
  FROM {{catalog}}.{{rawDatabase}}.accounts
) AS ranked
WHERE rn = 1 AND op <> 'd'
ORDER BY account_id
