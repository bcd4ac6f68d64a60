-- Step 4 practice scenarios: for each coaching priority, from its lowest-scored call, the
-- prospect's words just before the moment, what the rep said at it, and the anchor of
-- var('practice_target_level') (default 4) as the target behaviour.
with

moments as (
    select * from {{ ref('int_priority_call_moments') }}
    where illustration_rank = 1
),

utterances as (
    select * from {{ ref('int_redacted_utterances') }}
),

criteria as (
    select * from {{ ref('int_rubric_criteria_in_force') }}
),

anchors as (
    select * from {{ source('raw', 'rubric_anchors') }}
    where cycle = {{ cycle_key() }}
),

prospect_before as (
    select
        moments.rep_id,
        moments.criterion_id,
        max_by(utterances.utterance_text, utterances.seq) as prospect_words
    from moments
    inner join utterances
        on
            moments.call_id = utterances.call_id
            and utterances.speaker_role = 'prospect'
            and moments.moment_ms > utterances.start_ms
    group by moments.rep_id, moments.criterion_id
),

rep_at as (
    select
        moments.rep_id,
        moments.criterion_id,
        min_by(utterances.utterance_text, utterances.seq) as rep_words
    from moments
    inner join utterances
        on
            moments.call_id = utterances.call_id
            and utterances.speaker_role = 'rep'
            and moments.moment_ms <= utterances.end_ms
    group by moments.rep_id, moments.criterion_id
)

select
    moments.rep_id,
    {{ cycle_key() }} as cycle,
    moments.priority_rank as rank,
    moments.criterion_id,
    criteria.criterion_name,
    moments.call_id,
    moments.call_date,
    moments.score,
    moments.moment_ms,
    {{ format_mm_ss('moments.moment_ms') }} as moment_mm_ss,
    {{ redact('prospect_before.prospect_words') }} as prospect_words,
    {{ redact('rep_at.rep_words') }} as rep_words,
    {{ var("practice_target_level") }} as target_level,
    anchors.anchor as target_behaviour
from moments
inner join criteria on moments.criterion_id = criteria.criterion_id
left join anchors
    on
        criteria.rubric_version = anchors.rubric_version
        and moments.criterion_id = anchors.criterion_id
        and anchors.level = {{ var("practice_target_level") }}
left join prospect_before
    on
        moments.rep_id = prospect_before.rep_id
        and moments.criterion_id = prospect_before.criterion_id
left join rep_at
    on moments.rep_id = rep_at.rep_id and moments.criterion_id = rep_at.criterion_id
