-- Step 3 team view: per criterion, mean score of the top and of the bottom group of reps
-- (var('top_bottom_share') of the team's reps each, at least one) ranked by close rate in
-- the cycle, or by weighted score when too few reps have a close rate. The criteria with
-- the widest gap (top - bottom) are the team's priorities.
with

scorecards as (
    select * from {{ ref('fct_rep_scorecards') }}
    where cycle = {{ cycle_key() }} and weighted_score is not null
),

criterion_scores as (
    select * from {{ ref('int_rep_criterion_scores') }}
),

ranking_basis as (
    select
        case
            when count(close_rate) >= {{ var("top_bottom_min_reps_with_close_rate") }}
                then 'close_rate'
            else 'weighted_score'
        end as ranked_by
    from scorecards
),

ranked_reps as (
    select
        scorecards.rep_id,
        ranking_basis.ranked_by,
        row_number() over (
            order by
                case
                    when ranking_basis.ranked_by = 'close_rate' then scorecards.close_rate
                    else scorecards.weighted_score
                end desc,
                scorecards.weighted_score desc,
                scorecards.rep_id asc
        ) as position,
        count(*) over () as n_ranked
    from scorecards
    cross join ranking_basis
    where ranking_basis.ranked_by = 'weighted_score' or scorecards.close_rate is not null
),

groups as (
    select
        rep_id,
        ranked_by,
        n_ranked,
        case
            when position <= ceil(n_ranked * {{ var("top_bottom_share") }}) then 'top'
            when position > n_ranked - ceil(n_ranked * {{ var("top_bottom_share") }})
                then 'bottom'
        end as performance_group
    from ranked_reps
    where n_ranked >= 2
),

group_means as (
    select
        criterion_scores.criterion_id,
        any_value(criterion_scores.criterion_name) as criterion_name,
        any_value(criterion_scores.weight) as weight,
        any_value(groups.ranked_by) as ranked_by,
        avg(criterion_scores.rep_score) filter (
            where groups.performance_group = 'top'
        ) as top_mean,
        avg(criterion_scores.rep_score) filter (
            where groups.performance_group = 'bottom'
        ) as bottom_mean,
        count(*) filter (where groups.performance_group = 'top') as n_top_reps,
        count(*) filter (where groups.performance_group = 'bottom') as n_bottom_reps
    from criterion_scores
    inner join groups on criterion_scores.rep_id = groups.rep_id
    where groups.performance_group is not null
    group by criterion_scores.criterion_id
)

select
    criterion_id,
    {{ cycle_key() }} as cycle,
    criterion_name,
    weight,
    ranked_by,
    n_top_reps,
    n_bottom_reps,
    top_mean,
    bottom_mean,
    top_mean - bottom_mean as gap,
    row_number() over (order by top_mean - bottom_mean desc, weight desc, criterion_id asc) as rank,
    row_number() over (
        order by top_mean - bottom_mean desc, weight desc, criterion_id asc
    ) <= {{ var("top_bottom_criteria") }} as is_team_priority
from group_means
