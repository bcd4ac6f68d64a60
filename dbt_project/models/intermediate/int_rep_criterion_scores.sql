-- Step 3: a rep's criterion score is the mean of their calls' consolidated scores on that
-- criterion in the cycle (under the cycle's rubric version); the team benchmark is the
-- mean over the team's reps, each rep weighted equally.
with

reps as (
    select * from {{ ref('stg_raw__reps') }}
),

criteria as (
    select * from {{ ref('int_rubric_criteria_in_force') }}
),

calls as (
    select * from {{ ref('int_calls_enriched') }}
),

consolidated as (
    select * from {{ ref('int_call_criterion_scores_consolidated') }}
),

rep_scores as (
    select
        calls.rep_id,
        consolidated.criterion_id,
        avg(consolidated.score) as rep_score,
        count(*) as n_scored_calls,
        count(*) filter (where consolidated.score_source = 'auto') as n_auto_scored_calls
    from consolidated
    inner join calls
        on consolidated.call_id = calls.call_id
    inner join criteria
        on
            consolidated.criterion_id = criteria.criterion_id
            and consolidated.rubric_version = criteria.rubric_version
    group by calls.rep_id, consolidated.criterion_id
),

rep_grid as (
    select
        reps.rep_id,
        reps.team,
        criteria.rubric_version,
        criteria.criterion_id,
        criteria.criterion_name,
        criteria.criterion_position,
        criteria.weight,
        criteria.scale_min,
        criteria.scale_max,
        rep_scores.rep_score,
        coalesce(rep_scores.n_scored_calls, 0) as n_scored_calls,
        coalesce(rep_scores.n_auto_scored_calls, 0) as n_auto_scored_calls
    from reps
    cross join criteria
    left join rep_scores
        on
            reps.rep_id = rep_scores.rep_id
            and criteria.criterion_id = rep_scores.criterion_id
)

select
    *,
    avg(rep_score) over (partition by team, criterion_id) as team_benchmark
from rep_grid
