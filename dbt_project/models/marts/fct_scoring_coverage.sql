-- Step 2 coverage per team and cycle: how many calls carry a score, by scorer kind, and
-- the seed's if/then rule: a team of var('coverage_min_team_reps')+ reps with
-- var('coverage_min_calls_per_rep_per_week')+ calls per rep per week whose human review
-- reaches under var('coverage_human_share_floor') of calls needs automated scoring.
with

calls as (
    select * from {{ ref('fct_call_scores') }}
    where cycle = {{ cycle_key() }}
),

reps as (
    select * from {{ ref('stg_raw__reps') }}
),

scores as (
    select * from {{ ref('stg_raw__scores') }}
),

call_kinds as (
    select
        call_id,
        max(case when scorer_kind = 'human' then 1 else 0 end) as has_human,
        max(case when scorer_kind = 'external' then 1 else 0 end) as has_external,
        max(case when scorer_kind = 'auto' then 1 else 0 end) as has_auto
    from scores
    group by call_id
),

team_reps as (
    select
        team,
        count(*) as n_reps
    from reps
    where is_active
    group by team
),

team_calls as (
    select
        calls.team,
        count(*) as n_calls,
        count(*) filter (where calls.n_criteria_scored > 0) as n_scored,
        count(*) filter (where calls.is_fully_scored) as n_fully_scored,
        coalesce(sum(call_kinds.has_human), 0) as n_human_scored,
        coalesce(sum(call_kinds.has_external), 0) as n_external_scored,
        coalesce(sum(call_kinds.has_auto), 0) as n_auto_scored
    from calls
    left join call_kinds on calls.call_id = call_kinds.call_id
    group by calls.team
),

coverage as (
    select
        team_reps.team,
        team_reps.n_reps,
        coalesce(team_calls.n_calls, 0) as n_calls,
        coalesce(team_calls.n_scored, 0) as n_scored,
        coalesce(team_calls.n_fully_scored, 0) as n_fully_scored,
        coalesce(team_calls.n_human_scored, 0) as n_human_scored,
        coalesce(team_calls.n_external_scored, 0) as n_external_scored,
        coalesce(team_calls.n_auto_scored, 0) as n_auto_scored,
        cast({{ days_between(cycle_start_date(), cycle_end_date()) }} as double)
        / 7 as weeks_in_cycle
    from team_reps
    left join team_calls on team_reps.team = team_calls.team
)

select
    team,
    {{ cycle_key() }} as cycle,
    n_reps,
    n_calls,
    n_scored,
    n_fully_scored,
    case when n_calls > 0 then cast(n_scored as double) / n_calls end as scored_share,
    case when n_calls > 0 then cast(n_human_scored as double) / n_calls end as human_share,
    case when n_calls > 0 then cast(n_external_scored as double) / n_calls end as external_share,
    case when n_calls > 0 then cast(n_auto_scored as double) / n_calls end as auto_share,
    cast(n_calls as double) / nullif(n_reps, 0) / weeks_in_cycle as calls_per_rep_per_week,
    case
        when
            n_reps >= {{ var("coverage_min_team_reps") }}
            and cast(n_calls as double) / nullif(n_reps, 0) / weeks_in_cycle
            >= {{ var("coverage_min_calls_per_rep_per_week") }}
            and {{ below(
                "cast(n_human_scored as double) / nullif(n_calls, 0)",
                var("coverage_human_share_floor")
            ) }}
            then
                'automated_scoring_required: human review reaches under '
                || cast({{ var("coverage_human_share_floor") }} * 100 as string)
                || '% of calls for a team this size'
    end as warning
from coverage
