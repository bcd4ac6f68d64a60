-- Step 1 weight calibration sample: the var('calibration_won_opportunities') (default 50)
-- most recently closed-won opportunities with scored calls closed before the cycle's end,
-- and the closed-lost ones closed in the same span; per opportunity and criterion, the
-- mean of its calls' scores (all assessed cycles so far). Ties at the last place (won
-- deals closed on the same day as the 50th): with var('calibration_include_ties') (the
-- default) every one of them joins the sample, which may then hold more than 50; without
-- it the sample holds exactly 50, the larger opportunity ids first.
with

opportunities as (
    select * from {{ ref('stg_raw__opportunities') }}
    where is_closed and close_date < {{ cycle_end_date() }}
),

call_scores as (
    select * from {{ ref('fct_call_criterion_scores') }}
    where started_at < cast('{{ partition_var("cycle_end") }}' as {{ type_timestamp_tz() }})
),

criteria as (
    select * from {{ ref('int_rubric_criteria_in_force') }}
),

scored_opportunities as (
    select opportunities.*
    from opportunities
    where opportunities.opportunity_id in (
        select distinct call_scores.opportunity_id from call_scores
    )
),

recent_won as (
    select
        opportunity_id,
        close_date,
        {% if var("calibration_include_ties") -%}
            rank() over (order by close_date desc) as recency
        {%- else -%}
            row_number() over (order by close_date desc, opportunity_id desc) as recency
        {%- endif %}
    from scored_opportunities
    where is_won
),

span as (
    select min(close_date) as span_start
    from recent_won
    where recency <= {{ var("calibration_won_opportunities") }}
),

sample as (
    select
        scored_opportunities.opportunity_id,
        scored_opportunities.is_won
    from scored_opportunities
    cross join span
    where
        scored_opportunities.opportunity_id in (
            select recent_won.opportunity_id from recent_won
            where recent_won.recency <= {{ var("calibration_won_opportunities") }}
        )
        or (not scored_opportunities.is_won and scored_opportunities.close_date >= span.span_start)
)

select
    {{ cycle_key() }} as cycle,
    criteria.criterion_id,
    criteria.weight as current_weight,
    sample.opportunity_id,
    case when sample.is_won then 1 else 0 end as won,
    {{ stable_avg('call_scores.score') }} as mean_score
from sample
inner join call_scores on sample.opportunity_id = call_scores.opportunity_id
inner join criteria on call_scores.criterion_id = criteria.criterion_id
group by criteria.criterion_id, criteria.weight, sample.opportunity_id, sample.is_won
