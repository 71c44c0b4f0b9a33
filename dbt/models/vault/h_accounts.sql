-- Hub of accounts: one row per business key (the PostgreSQL id), first seen time and source.
{{ hub('hk_account', 'account_id', [('parsed_accounts', 'account_id')]) }}
