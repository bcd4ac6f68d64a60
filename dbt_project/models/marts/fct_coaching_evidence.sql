-- Step 4: for each rep's primary coaching priority, the calls that most clearly illustrate
-- it (lowest score on the criterion, ties most recent), each with the call date, the
-- moment (ms and mm:ss) and a transcript excerpt around it with personal data redacted.
with

moments as (
    select * from {{ ref('int_priority_call_moments') }}
    where
        priority_rank = 1
        and illustration_rank <= {{ var("evidence_calls_per_priority") }}
),

utterances as (
    select * from {{ ref('int_redacted_utterances') }}
),

transcribed as (
    select distinct call_id from utterances
),

excerpts as (
    select
        moments.call_id,
        {{ ordered_string_agg(
            "utterances.speaker_role || ': ' || utterances.utterance_text",
            "utterances.seq",
            " / "
        ) }} as excerpt
    from moments
    inner join utterances
        on
            moments.call_id = utterances.call_id
            and utterances.end_ms >= moments.moment_ms - {{ var("evidence_excerpt_before_ms") }}
            and utterances.start_ms <= moments.moment_ms + {{ var("evidence_excerpt_after_ms") }}
    group by moments.call_id
)

select
    moments.rep_id,
    {{ cycle_key() }} as cycle,
    moments.call_id,
    cast(moments.illustration_rank as bigint) as evidence_rank,
    moments.criterion_id,
    moments.call_date,
    moments.started_at,
    moments.score,
    moments.score_source,
    moments.moment_ms,
    {{ format_mm_ss('moments.moment_ms') }} as moment_mm_ss,
    {{ redact('excerpts.excerpt') }} as excerpt,
    case
        when transcribed.call_id is null then 'no_transcript'
        when moments.moment_ms is null then 'no_evidence_moment'
        else 'ok'
    end as evidence_status
from moments
left join transcribed on moments.call_id = transcribed.call_id
left join excerpts on moments.call_id = excerpts.call_id
