-- Step 4 redaction of names: the transcripts of the calls that illustrate a coaching
-- priority, with every name the warehouse knows replaced by [name]: reps and managers
-- (the cycle's reps file), transcript speakers (speaker_name) and accounts (an
-- account_name column of the opportunities, where given). Each word of a name counts on
-- its own ("Ana Silva" also hides "Ana"), matched without regard to case but only where
-- the transcript writes it capitalised, as names are, so that a rep called Will Price does
-- not hide "will" or "price". Words of one letter are not names. Card numbers, phones and
-- e-mails are redacted afterwards (macro redact), in the excerpt.
with

calls as (
    select distinct call_id from {{ ref('int_priority_call_moments') }}
),

utterances as (
    select utterances.*
    from {{ ref('stg_raw__utterances') }} as utterances
    inner join calls on utterances.call_id = calls.call_id
),

known_names as (
    select rep_name as known_name from {{ ref('stg_raw__reps') }}
    union all
    select manager_name as known_name from {{ source('raw', 'reps') }}
    where cycle = {{ cycle_key() }}
    union all
    select distinct speaker_name as known_name from {{ ref('stg_raw__utterances') }}
    union all
    select {{ extra_field('extra', 'account_name') }} as known_name
    from {{ source('raw', 'opportunities') }}
    where cycle = {{ cycle_key() }}
),

name_words as (
    select distinct lower(name_word) as name_word
    from (
        select {{ unnest_with_position(name_words('known_name'), 'name_word', 'word_position') }}
        from known_names
        where known_name is not null
    ) as words
    where length(name_word) >= 2
),

tokens as (
    select
        call_id,
        seq,
        {{ unnest_with_position(word_tokens('utterance_text'), 'token', 'token_position') }}
    from utterances
),

redacted as (
    select
        tokens.call_id,
        tokens.seq,
        {{ ordered_string_agg(
            "case when name_words.name_word is not null"
            " and substr(tokens.token, 1, 1) != lower(substr(tokens.token, 1, 1))"
            " then '[name]' else tokens.token end",
            "tokens.token_position",
            ""
        ) }} as utterance_text
    from tokens
    left join name_words on lower(tokens.token) = name_words.name_word
    group by tokens.call_id, tokens.seq
)

select
    utterances.call_id,
    utterances.seq,
    utterances.start_ms,
    utterances.end_ms,
    utterances.speaker_role,
    coalesce(redacted.utterance_text, utterances.utterance_text) as utterance_text
from utterances
left join redacted
    on utterances.call_id = redacted.call_id and utterances.seq = redacted.seq
