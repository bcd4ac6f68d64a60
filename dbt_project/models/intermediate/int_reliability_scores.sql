-- Step 2 inter-rater reliability: the one definition of which scores count. Every score of
-- every scorer (human, external, automated) given in a cycle partition up to this one, not
-- in a follow-up or check-in window (those repeat the next cycle's calls, and their labels
-- would otherwise sort before later cycles): the result does not depend on which windows
-- were loaded before. int_scorer_pairs and the reliability statistics (Python) read it.
select
    call_id,
    criterion_id,
    score,
    scorer_id,
    scorer_kind,
    rubric_version_resolved as rubric_version
from {{ source('raw', 'scores') }}
where {{ is_cycle_label('cycle') }} and cycle <= {{ cycle_key() }}
union all
select
    call_id,
    criterion_id,
    score,
    scorer_id,
    scorer_kind,
    rubric_version
from {{ source('raw', 'auto_scores') }}
where {{ is_cycle_label('cycle') }} and cycle <= {{ cycle_key() }}
