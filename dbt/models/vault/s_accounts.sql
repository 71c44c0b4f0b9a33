-- Satellite of accounts: every version of balance and currency (deletes included).
{{ satellite('parsed_accounts', 'hk_account', 'account_id', ['balance', 'currency', 'updated_at']) }}
