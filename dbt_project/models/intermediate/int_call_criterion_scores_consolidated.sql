-- One score per call and criterion. Score consolidation policy: of the scorer kinds that
-- scored the call on the criterion, the first in var('score_source_priority') (default
-- human, then external, then auto) decides; several scorers of that kind are averaged.
-- Only scores given under the call's rubric version count.
with

calls as (
    select * from {{ ref('int_calls_enriched') }}
),

scores as (
    select * from {{ ref('stg_raw__scores') }}
),

ranked as (
    select
        scores.*,
        {{ score_source_rank('scores.scorer_kind') }} as source_rank,
        min({{ score_source_rank('scores.scorer_kind') }}) over (
            partition by scores.call_id, scores.criterion_id
        ) as best_source_rank
    from scores
    inner join calls
        on
            scores.call_id = calls.call_id
            and scores.rubric_version = calls.rubric_version
)

select
    call_id,
    criterion_id,
    any_value(rubric_version) as rubric_version,
    any_value(scorer_kind) as score_source,
    avg(score) as score,
    count(*) as n_scorers
from ranked
where source_rank = best_source_rank
group by call_id, criterion_id
