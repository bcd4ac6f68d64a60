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

-- each utterance is split into words once (unnesting the split twice, for the words and
-- for their positions, ran the regular expression twice per utterance)
token_lists as (
    select
        call_id,
        seq,
        {{ word_tokens('utterance_text') }} as utterance_tokens
    from utterances
),

tokens as (
    select
        call_id,
        seq,
        {{ unnest_with_position('utterance_tokens', 'token', 'token_position') }}
    from token_lists
),

-- the words to hide: a known name, written capitalised
hidden as (
    select
        tokens.call_id,
        tokens.seq,
        tokens.token_position
    from tokens
    inner join name_words on lower(tokens.token) = name_words.name_word
    where substr(tokens.token, 1, 1) != lower(substr(tokens.token, 1, 1))
),

-- only the utterances with a word to hide are joined again: the words of any other
-- utterance join back to its own text
utterances_with_names as (
    select distinct
        call_id,
        seq
    from hidden
),

redacted as (
    select
        tokens.call_id,
        tokens.seq,
        {{ ordered_string_agg(
            "case when hidden_words.token_position is not null then '[name]' else tokens.token end",
            "tokens.token_position",
            ""
        ) }} as utterance_text
    from tokens
    inner join utterances_with_names as with_names
        on tokens.call_id = with_names.call_id and tokens.seq = with_names.seq
    left join hidden as hidden_words
        on
            tokens.call_id = hidden_words.call_id
            and tokens.seq = hidden_words.seq
            and tokens.token_position = hidden_words.token_position
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
