-- One row per change of a user, typed from the JSON image of the raw CDC log (macros/parse.sql).
{{ parse_users(source('raw', 'users')) }}
