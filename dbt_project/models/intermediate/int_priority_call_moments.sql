-- For each rep's coaching priorities, their calls in the cycle scored on that criterion,
-- ranked lowest score first (ties: most recent first), with the moment the score points
-- at: the evidence_start_ms of a scorer of the deciding kind, else of any scorer.
with

priorities as (
    select * from {{ ref('fct_coaching_priorities') }}
    where cycle = {{ cycle_key() }}
),

calls as (
    select * from {{ ref('int_calls_enriched') }}
),

consolidated as (
    select * from {{ ref('int_call_criterion_scores_consolidated') }}
),

scores as (
    select * from {{ ref('stg_raw__scores') }}
),

moments as (
    select
        consolidated.call_id,
        consolidated.criterion_id,
        coalesce(
            min(scores.evidence_start_ms) filter (
                where scores.scorer_kind = consolidated.score_source
            ),
            min(scores.evidence_start_ms)
        ) as moment_ms
    from consolidated
    left join scores
        on
            consolidated.call_id = scores.call_id
            and consolidated.criterion_id = scores.criterion_id
    group by consolidated.call_id, consolidated.criterion_id, consolidated.score_source
)

select
    priorities.rep_id,
    priorities.rank as priority_rank,
    priorities.criterion_id,
    calls.call_id,
    calls.started_at,
    calls.call_date,
    consolidated.score,
    consolidated.score_source,
    moments.moment_ms,
    row_number() over (
        partition by priorities.rep_id, priorities.criterion_id
        order by consolidated.score asc, calls.started_at desc, calls.call_id asc
    ) as illustration_rank
from priorities
inner join calls on priorities.rep_id = calls.rep_id
inner join consolidated
    on
        calls.call_id = consolidated.call_id
        and priorities.criterion_id = consolidated.criterion_id
left join moments
    on
        consolidated.call_id = moments.call_id
        and consolidated.criterion_id = moments.criterion_id
