-- Step 2: each rep's sample in the cycle. A scored call is fully scored under the cycle's
-- rubric version; below var('min_scored_calls') the rep is insufficient_sample and gets
-- no coaching priority.
with

reps as (
    select * from {{ ref('stg_raw__reps') }}
),

calls as (
    select * from {{ ref('fct_call_scores') }}
    where cycle = {{ cycle_key() }}
),

cycle_rubric as (
    select distinct rubric_version from {{ ref('int_rubric_criteria_in_force') }}
),

call_counts as (
    select
        calls.rep_id,
        count(*) as n_calls,
        count(*) filter (where calls.n_criteria_scored > 0) as n_calls_with_score,
        count(*) filter (
            where calls.is_fully_scored and calls.rubric_version = cycle_rubric.rubric_version
        ) as n_scored_calls
    from calls
    cross join cycle_rubric
    group by calls.rep_id
)

select
    reps.rep_id,
    reps.team,
    coalesce(call_counts.n_calls, 0) as n_calls,
    coalesce(call_counts.n_calls_with_score, 0) as n_calls_with_score,
    coalesce(call_counts.n_scored_calls, 0) as n_scored_calls,
    case
        when coalesce(call_counts.n_scored_calls, 0) >= {{ var("min_scored_calls") }} then 'ok'
        else 'insufficient_sample'
    end as sample_status
from reps
left join call_counts on reps.rep_id = call_counts.rep_id
