-- For each rep's coaching priorities, the calls of the cycle that illustrate it best:
-- lowest score on the criterion first (ties: most recent first), the first
-- var('evidence_calls_per_priority') kept, with the moment the score points at: the
-- evidence_start_ms of a scorer of the deciding kind, else of any scorer.
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

ranked as (
    select
        priorities.rep_id,
        priorities.rank as priority_rank,
        priorities.criterion_id,
        calls.call_id,
        calls.started_at,
        calls.call_date,
        consolidated.score,
        consolidated.score_source,
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
),

illustrations as (
    select * from ranked
    where illustration_rank <= {{ var("evidence_calls_per_priority") }}
),

moments as (
    select
        illustrations.call_id,
        illustrations.criterion_id,
        coalesce(
            min(scores.evidence_start_ms) filter (
                where scores.scorer_kind = illustrations.score_source
            ),
            min(scores.evidence_start_ms)
        ) as moment_ms
    from illustrations
    left join scores
        on
            illustrations.call_id = scores.call_id
            and illustrations.criterion_id = scores.criterion_id
    group by illustrations.call_id, illustrations.criterion_id, illustrations.score_source
)

select
    illustrations.*,
    moments.moment_ms
from illustrations
left join moments
    on
        illustrations.call_id = moments.call_id
        and illustrations.criterion_id = moments.criterion_id
