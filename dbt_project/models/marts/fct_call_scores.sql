-- One row per call of the cycle, scored or not. A call's weighted score is
-- sum(score x weight) / 100 over its rubric version's criteria, given only when every
-- criterion has a score (is_fully_scored); weighted_score_100 puts it on 0-100. The
-- criterion scores themselves are in fct_call_criterion_scores (one row per criterion).
with

calls as (
    select * from {{ ref('int_calls_enriched') }}
),

criteria as (
    select * from {{ ref('stg_raw__rubric_criteria') }}
),

version_sizes as (
    select
        rubric_version,
        count(*) as n_criteria
    from criteria
    group by rubric_version
),

consolidated as (
    select * from {{ ref('int_call_criterion_scores_consolidated') }}
),

per_call as (
    select
        consolidated.call_id,
        count(*) as n_criteria_scored,
        {{ stable_sum('consolidated.score * criteria.weight') }} / 100.0 as weighted_sum,
        case
            when min(consolidated.score_source) = max(consolidated.score_source)
                then min(consolidated.score_source)
            else 'mixed'
        end as score_source
    from consolidated
    inner join criteria
        on
            consolidated.rubric_version = criteria.rubric_version
            and consolidated.criterion_id = criteria.criterion_id
    group by consolidated.call_id
)

select
    calls.call_id,
    calls.rep_id,
    calls.manager_id,
    calls.team,
    {{ cycle_key() }} as cycle,
    calls.started_at,
    calls.call_date,
    calls.opportunity_id,
    calls.rubric_version,
    calls.scale_min,
    calls.scale_max,
    coalesce(version_sizes.n_criteria, 0) as n_criteria,
    coalesce(per_call.n_criteria_scored, 0) as n_criteria_scored,
    coalesce(
        version_sizes.n_criteria > 0 and per_call.n_criteria_scored = version_sizes.n_criteria,
        false
    ) as is_fully_scored,
    per_call.score_source,
    case
        when per_call.n_criteria_scored = version_sizes.n_criteria then per_call.weighted_sum
    end as weighted_score,
    case
        when per_call.n_criteria_scored = version_sizes.n_criteria
            then
                100.0 * (per_call.weighted_sum - calls.scale_min)
                / (calls.scale_max - calls.scale_min)
    end as weighted_score_100
from calls
left join version_sizes on calls.rubric_version = version_sizes.rubric_version
left join per_call on calls.call_id = per_call.call_id
