-- Step 2 review queue: calls proposed for manual scoring, per rep and cycle. A random
-- sample stratified by ISO week: calls are shuffled within each week by md5(cycle, call)
-- (reproducible from the cycle key), then the queue takes each week's first call, then
-- each week's second, and so on, so the sample spreads across the quarter instead of
-- favouring the most recent calls. For a rep whose sample is unrepresentative (too many
-- scored calls in one ISO week, int_rep_samples), the queue says which weeks to score
-- (weeks_to_score: the rep's other weeks with a call not yet scored) and proposes only such
-- calls, at least n_calls_to_score of them (the fewest that make the sample spread) where
-- the weeks hold that many.
with

calls as (
    select * from {{ ref('fct_call_scores') }}
    where cycle = {{ cycle_key() }}
),

samples as (
    select * from {{ ref('int_rep_samples') }}
),

cycle_rubric as (
    select distinct rubric_version from {{ ref('int_rubric_criteria_in_force') }}
),

human_scored as (
    select distinct call_id
    from {{ ref('stg_raw__scores') }}
    where scorer_kind = 'human'
),

shuffled as (
    select
        calls.rep_id,
        calls.call_id,
        calls.call_date,
        calls.started_at,
        {{ iso_week_key('calls.call_date') }} as iso_week,
        human_scored.call_id is not null as already_human_scored,
        samples.sample_status,
        samples.weeks_to_score,
        samples.n_calls_to_score,
        row_number() over (
            partition by calls.rep_id, {{ iso_week_key('calls.call_date') }}
            order by md5({{ cycle_key() }} || '/' || calls.call_id)
        ) as position_in_week
    from calls
    cross join cycle_rubric
    left join human_scored on calls.call_id = human_scored.call_id
    left join samples on calls.rep_id = samples.rep_id
    -- an unrepresentative sample: only calls not yet scored, in the weeks to score (a
    -- list of distinct YYYY-Www keys)
    where
        coalesce(samples.sample_status, 'ok') != 'unrepresentative'
        or (
            instr(samples.weeks_to_score, {{ iso_week_key('calls.call_date') }}) > 0
            and not coalesce(
                calls.is_fully_scored and calls.rubric_version = cycle_rubric.rubric_version,
                false
            )
        )
),

queued as (
    select
        *,
        row_number() over (
            partition by rep_id
            order by
                position_in_week,
                md5({{ cycle_key() }} || '/' || iso_week),
                call_id
        ) as queue_position
    from shuffled
)

select
    rep_id,
    {{ cycle_key() }} as cycle,
    call_id,
    cast(queue_position as bigint) as queue_position,
    iso_week,
    call_date,
    started_at,
    already_human_scored,
    sample_status,
    weeks_to_score,
    n_calls_to_score
from queued
where
    queue_position
    <= greatest({{ var("review_queue_calls_per_rep") }}, coalesce(n_calls_to_score, 0))
