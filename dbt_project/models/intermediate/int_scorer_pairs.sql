-- Step 2 inter-rater reliability input: every pair of different scorers who scored the
-- same call on the same criterion under the same rubric version, over the scores that count
-- for reliability (int_reliability_scores). Human pairs calibrate the rubric;
-- automated-vs-human and external-vs-human pairs calibrate those scorers.
with

scores as (
    select * from {{ ref('int_reliability_scores') }}
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
