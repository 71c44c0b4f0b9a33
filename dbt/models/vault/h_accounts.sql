-- Hub of accounts: one row per business key (the PostgreSQL id), first seen time and source.
{{ hub('parsed_accounts', 'hk_account', 'account_id') }}
