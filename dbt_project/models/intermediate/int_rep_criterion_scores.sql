-- Step 3: a rep's criterion score is the mean of their calls' consolidated scores on that
-- criterion in the cycle (under the cycle's rubric version); the team benchmark is the
-- mean over the team's reps with a sufficient sample (sample_status ok, or unrepresentative:
-- enough scored calls, crowded into one week) who are active, each rep weighted equally: a
-- rep with 2 calls, or one who left, does not move it.
with

reps as (
    select * from {{ ref('stg_raw__reps') }}
),

samples as (
    select * from {{ ref('int_rep_samples') }}
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
        {{ stable_avg('consolidated.score') }} as rep_score,
        count(*) as n_scored_calls,
        count(*) filter (where consolidated.score_source = 'auto') as n_auto_scored_calls,
        count(*) filter (
            where consolidated.score_source = 'external'
        ) as n_external_scored_calls
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
        coalesce(rep_scores.n_auto_scored_calls, 0) as n_auto_scored_calls,
        coalesce(rep_scores.n_external_scored_calls, 0) as n_external_scored_calls,
        coalesce(
            samples.sample_status in ('ok', 'unrepresentative') and reps.is_active, false
        ) as in_team_benchmark
    from reps
    cross join criteria
    left join samples on reps.rep_id = samples.rep_id
    left join rep_scores
        on
            reps.rep_id = rep_scores.rep_id
            and criteria.criterion_id = rep_scores.criterion_id
),

team_benchmarks as (
    select
        team,
        criterion_id,
        {{ stable_avg('rep_score') }} as team_benchmark
    from rep_grid
    where in_team_benchmark
    group by team, criterion_id
)

select
    rep_grid.*,
    team_benchmarks.team_benchmark
from rep_grid
left join team_benchmarks
    on
        rep_grid.team = team_benchmarks.team
        and rep_grid.criterion_id = team_benchmarks.criterion_id
