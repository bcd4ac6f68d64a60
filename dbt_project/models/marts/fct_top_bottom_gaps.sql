-- Step 3 team view, per team (benchmarks are per team): per criterion, the mean score of
-- the top and of the bottom group of the team's active reps with a sufficient sample (ok
-- or unrepresentative) and a weighted score, ranked within the team by close rate in the
-- cycle, or by weighted score when fewer than var('top_bottom_min_reps_with_close_rate')
-- of them have a close rate.
-- Each group holds the reps whose rank from its end is within var('top_bottom_share') of
-- the ranked reps (at least one); reps tied at the boundary are all in (a group may exceed
-- the quartile), never split by the scores being compared. A team whose ties leave a rep
-- in both groups has no split and no rows. The criteria with the widest gap (top - bottom)
-- are the team's priorities, when the gap is positive and reaches var('min_priority_gap').
with

scorecards as (
    select * from {{ ref('fct_rep_scorecards') }}
    where
        cycle = {{ cycle_key() }}
        and weighted_score is not null
        and sample_status in ('ok', 'unrepresentative')
        and rep_status = 'active'
),

criterion_scores as (
    select * from {{ ref('int_rep_criterion_scores') }}
),

ranking_basis as (
    select
        team,
        case
            when count(close_rate) >= {{ var("top_bottom_min_reps_with_close_rate") }}
                then 'close_rate'
            else 'weighted_score'
        end as ranked_by
    from scorecards
    group by team
),

ranking_values as (
    select
        scorecards.rep_id,
        scorecards.team,
        ranking_basis.ranked_by,
        case
            when ranking_basis.ranked_by = 'close_rate' then scorecards.close_rate
            else scorecards.weighted_score
        end as ranking_value
    from scorecards
    inner join ranking_basis on scorecards.team = ranking_basis.team
    where ranking_basis.ranked_by = 'weighted_score' or scorecards.close_rate is not null
),

ranked_reps as (
    select
        *,
        rank() over (partition by team order by ranking_value desc) as rank_from_top,
        rank() over (partition by team order by ranking_value asc) as rank_from_bottom,
        count(*) over (partition by team) as n_ranked
    from ranking_values
),

groups as (
    select
        rep_id,
        team,
        ranked_by,
        rank_from_top <= ceil(n_ranked * {{ var("top_bottom_share") }}) as in_top,
        rank_from_bottom <= ceil(n_ranked * {{ var("top_bottom_share") }}) as in_bottom
    from ranked_reps
    where n_ranked >= 2
),

split_teams as (
    select team
    from groups
    group by team
    having sum(case when in_top and in_bottom then 1 else 0 end) = 0
),

group_means as (
    select
        groups.team,
        criterion_scores.criterion_id,
        any_value(criterion_scores.criterion_name) as criterion_name,
        any_value(criterion_scores.weight) as weight,
        any_value(groups.ranked_by) as ranked_by,
        {{ stable_avg('case when groups.in_top then criterion_scores.rep_score end') }} as top_mean,
        {{ stable_avg('case when groups.in_bottom then criterion_scores.rep_score end') }}
            as bottom_mean,
        count(*) filter (where groups.in_top) as n_top_reps,
        count(*) filter (where groups.in_bottom) as n_bottom_reps
    from criterion_scores
    inner join groups on criterion_scores.rep_id = groups.rep_id
    inner join split_teams on groups.team = split_teams.team
    where groups.in_top or groups.in_bottom
    group by groups.team, criterion_scores.criterion_id
),

ranked_gaps as (
    select
        *,
        top_mean - bottom_mean as gap,
        row_number() over (
            partition by team
            order by top_mean - bottom_mean desc, weight desc, criterion_id asc
        ) as gap_rank
    from group_means
)

select
    criterion_id,
    {{ cycle_key() }} as cycle,
    team,
    criterion_name,
    weight,
    ranked_by,
    n_top_reps,
    n_bottom_reps,
    top_mean,
    bottom_mean,
    gap,
    cast(gap_rank as bigint) as rank,
    (
        gap_rank <= {{ var("top_bottom_criteria") }} and {{ is_priority_gap('gap') }}
    ) as is_team_priority
from ranked_gaps
