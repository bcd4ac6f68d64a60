-- Validity input: each call of the cycle scored on a criterion of the cycle's rubric,
-- paired with its opportunity's outcome when that opportunity is closed (won 1, lost 0)
-- in the cycle's CRM snapshot. The statistics are computed by the criterion_validity asset.
with

scores as (
    select * from {{ ref('fct_call_criterion_scores') }}
    where cycle = {{ cycle_key() }}
),

criteria as (
    select * from {{ ref('int_rubric_criteria_in_force') }}
),

opportunities as (
    select * from {{ ref('stg_raw__opportunities') }}
    where is_closed
)

select
    {{ cycle_key() }} as cycle,
    scores.criterion_id,
    scores.call_id,
    scores.opportunity_id,
    scores.score,
    case when opportunities.is_won then 1 else 0 end as won
from scores
inner join criteria
    on
        scores.criterion_id = criteria.criterion_id
        and scores.rubric_version = criteria.rubric_version
inner join opportunities on scores.opportunity_id = opportunities.opportunity_id
