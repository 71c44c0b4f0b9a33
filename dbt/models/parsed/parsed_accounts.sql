-- One row per change of an account, typed from the JSON image of the raw CDC log (macros/parse.sql).
{{ parse_accounts(source('raw', 'accounts')) }}
