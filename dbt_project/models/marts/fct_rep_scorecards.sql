-- One row per rep and cycle: the sample (Step 2), the weighted score and every criterion
-- next to the team benchmark (Step 3), and the close rate next to the team's. An inactive
-- rep (active = false in the cycle's reps snapshot) keeps the row and the scores, with
-- rep_status inactive: no priority, no follow-up, not in the benchmark or the bands.
with

reps as (
    select * from {{ ref('stg_raw__reps') }}
),

criterion_scores as (
    select * from {{ ref('int_rep_criterion_scores') }}
),

samples as (
    select * from {{ ref('int_rep_samples') }}
),

cycle_rubric as (
    select distinct
        rubric_version,
        scale_min,
        scale_max
    from {{ ref('int_rubric_criteria_in_force') }}
),

opportunities as (
    select * from {{ ref('stg_raw__opportunities') }}
    where
        is_closed
        and close_date >= {{ cycle_start_date() }}
        and close_date < {{ cycle_end_date() }}
),

rep_weighted as (
    select
        rep_id,
        case
            when count(rep_score) = count(*) then {{ stable_sum('rep_score * weight') }} / 100.0
        end as weighted_score,
        case
            when count(team_benchmark) = count(*)
                then {{ stable_sum('team_benchmark * weight') }} / 100.0
        end as team_weighted_score,
        {{ json_object_agg('criterion_id', 'rep_score') }} as criterion_scores,
        {{ json_object_agg('criterion_id', 'team_benchmark') }} as team_benchmarks
    from criterion_scores
    group by rep_id
),

rep_outcomes as (
    select
        owner_rep_id as rep_id,
        count(*) as n_closed_opportunities,
        count(*) filter (where is_won) as n_won_opportunities
    from opportunities
    group by owner_rep_id
),

scorecards as (
    select
        reps.rep_id,
        reps.rep_name,
        reps.manager_id,
        reps.manager_name,
        reps.team,
        samples.n_calls,
        samples.n_calls_with_score,
        samples.n_scored_calls,
        samples.sample_status,
        samples.sample_reason,
        case when samples.is_active then 'active' else 'inactive' end as rep_status,
        rep_weighted.weighted_score,
        rep_weighted.team_weighted_score,
        rep_weighted.criterion_scores,
        rep_weighted.team_benchmarks,
        coalesce(rep_outcomes.n_closed_opportunities, 0) as n_closed_opportunities,
        coalesce(rep_outcomes.n_won_opportunities, 0) as n_won_opportunities
    from reps
    inner join samples on reps.rep_id = samples.rep_id
    left join rep_weighted on reps.rep_id = rep_weighted.rep_id
    left join rep_outcomes on reps.rep_id = rep_outcomes.rep_id
),

team_outcomes as (
    select
        team,
        sum(n_won_opportunities) as team_won,
        sum(n_closed_opportunities) as team_closed
    from scorecards
    group by team
)

select
    scorecards.rep_id,
    {{ cycle_key() }} as cycle,
    scorecards.rep_name,
    scorecards.manager_id,
    scorecards.manager_name,
    scorecards.team,
    cycle_rubric.rubric_version,
    scorecards.n_calls,
    scorecards.n_scored_calls,
    scorecards.sample_status,
    case
        when scorecards.n_calls > 0
            then cast(scorecards.n_calls_with_score as double) / scorecards.n_calls
    end as scored_share,
    scorecards.weighted_score,
    100.0 * (scorecards.weighted_score - cycle_rubric.scale_min)
    / (cycle_rubric.scale_max - cycle_rubric.scale_min) as weighted_score_100,
    scorecards.team_weighted_score,
    scorecards.criterion_scores,
    scorecards.team_benchmarks,
    scorecards.n_closed_opportunities,
    scorecards.n_won_opportunities,
    case
        when scorecards.n_closed_opportunities > 0
            then cast(scorecards.n_won_opportunities as double) / scorecards.n_closed_opportunities
    end as close_rate,
    case
        when team_outcomes.team_closed > 0
            then cast(team_outcomes.team_won as double) / team_outcomes.team_closed
    end as team_close_rate,
    scorecards.rep_status,
    scorecards.sample_reason
from scorecards
inner join team_outcomes on scorecards.team = team_outcomes.team
cross join cycle_rubric
