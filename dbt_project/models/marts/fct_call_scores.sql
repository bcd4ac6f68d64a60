-- One row per call of the cycle, scored or not. A call's weighted score is
-- sum(score x weight) / 100 over its rubric version's criteria, given only when every
-- criterion has a score (is_fully_scored); weighted_score_100 puts it on 0-100.
with

calls as (
    select * from {{ ref('int_calls_enriched') }}
),

criteria as (
    select * from {{ ref('stg_raw__rubric_criteria') }}
),

consolidated as (
    select * from {{ ref('int_call_criterion_scores_consolidated') }}
),

call_criteria as (
    select
        calls.call_id,
        criteria.criterion_id,
        criteria.weight,
        consolidated.score,
        consolidated.score_source
    from calls
    inner join criteria on calls.rubric_version = criteria.rubric_version
    left join consolidated
        on
            calls.call_id = consolidated.call_id
            and criteria.criterion_id = consolidated.criterion_id
),

per_call as (
    select
        call_id,
        count(*) as n_criteria,
        count(score) as n_criteria_scored,
        sum(score * weight) / 100.0 as weighted_sum,
        case
            when count(distinct score_source) = 1 then any_value(score_source)
            when count(distinct score_source) > 1 then 'mixed'
        end as score_source,
        {{ json_object_agg('criterion_id', 'score') }} as criterion_scores
    from call_criteria
    group by call_id
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
    coalesce(per_call.n_criteria, 0) as n_criteria,
    coalesce(per_call.n_criteria_scored, 0) as n_criteria_scored,
    coalesce(
        per_call.n_criteria > 0 and per_call.n_criteria_scored = per_call.n_criteria, false
    ) as is_fully_scored,
    per_call.score_source,
    case
        when per_call.n_criteria_scored = per_call.n_criteria then per_call.weighted_sum
    end as weighted_score,
    case
        when per_call.n_criteria_scored = per_call.n_criteria
            then
                100.0 * (per_call.weighted_sum - calls.scale_min)
                / (calls.scale_max - calls.scale_min)
    end as weighted_score_100,
    per_call.criterion_scores
from calls
left join per_call on calls.call_id = per_call.call_id
