-- Long form of fct_call_scores: one consolidated score per call and criterion.
select
    consolidated.call_id,
    consolidated.criterion_id,
    {{ cycle_key() }} as cycle,
    calls.rep_id,
    calls.started_at,
    calls.opportunity_id,
    consolidated.rubric_version,
    consolidated.score,
    consolidated.score_source,
    consolidated.n_scorers
from {{ ref('int_call_criterion_scores_consolidated') }} as consolidated
inner join {{ ref('int_calls_enriched') }} as calls on consolidated.call_id = calls.call_id
