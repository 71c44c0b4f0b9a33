-- Effectivity satellite of l_users_accounts, driven by the account: each change of an account's
-- owner (accounts.user_id), in commit order, deletes included. An account's owner is its newest
-- version here: the link holds one row per pair, so it cannot tell which pair is current when an
-- account moves back to an earlier owner, or moves within one transaction.
{{ satellite('parsed_accounts', 'hk_account', 'account_id', ['user_id']) }}
