-- Step 2 inter-rater reliability input: every pair of different scorers who scored the
-- same call on the same criterion under the same rubric version, over every assessed
-- cycle up to this one. Human pairs calibrate the rubric; automated-vs-human pairs
-- calibrate the automated scorer; external-vs-human pairs are reported.
with

scores as (
    select
        call_id,
        criterion_id,
        score,
        scorer_id,
        scorer_kind,
        rubric_version_resolved as rubric_version
    from {{ source('raw', 'scores') }}
    -- cycle partitions only (not follow-up or check-in windows, which repeat the next
    -- cycle's calls): the result does not depend on which windows were loaded before
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
),

pairs as (
    select
        first_scorer.rubric_version,
        first_scorer.criterion_id,
        first_scorer.call_id,
        first_scorer.scorer_id as scorer_a,
        first_scorer.scorer_kind as scorer_kind_a,
        first_scorer.score as score_a,
        second_scorer.scorer_id as scorer_b,
        second_scorer.scorer_kind as scorer_kind_b,
        second_scorer.score as score_b
    from scores as first_scorer
    inner join scores as second_scorer
        on
            first_scorer.call_id = second_scorer.call_id
            and first_scorer.criterion_id = second_scorer.criterion_id
            and first_scorer.rubric_version = second_scorer.rubric_version
            and (
                first_scorer.scorer_kind < second_scorer.scorer_kind
                or (
                    first_scorer.scorer_kind = second_scorer.scorer_kind
                    and first_scorer.scorer_id < second_scorer.scorer_id
                )
            )
)

select
    *,
    case
        when scorer_kind_a = 'human' and scorer_kind_b = 'human' then 'human'
        when scorer_kind_a = 'auto' and scorer_kind_b = 'human' then 'auto_vs_human'
        when scorer_kind_a = 'external' and scorer_kind_b = 'human' then 'external_vs_human'
    end as comparison,
    abs(score_a - score_b) as disagreement
from pairs
