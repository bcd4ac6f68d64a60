-- Step 2 calibration review list: for each criterion whose anchors are too vague (a scorer
-- pair differed by more than the tolerance), the calls and scorer pairs that disagreed
-- most, with both scores, so managers can refine the anchors.
with

pairs as (
    select * from {{ ref('int_scorer_pairs') }}
    where comparison is not null
),

vague as (
    select * from {{ ref('int_rubric_agreement') }}
    where anchors_too_vague
),

ranked as (
    select
        pairs.*,
        row_number() over (
            partition by pairs.rubric_version, pairs.comparison, pairs.criterion_id
            order by
                pairs.disagreement desc, pairs.call_id asc, pairs.scorer_a asc, pairs.scorer_b asc
        ) as review_rank
    from pairs
    inner join vague
        on
            pairs.rubric_version = vague.rubric_version
            and pairs.comparison = vague.comparison
            and pairs.criterion_id = vague.criterion_id
    where pairs.disagreement > {{ var("agreement_tolerance") }}
)

select
    rubric_version,
    comparison,
    criterion_id,
    {{ cycle_key() }} as cycle,
    cast(review_rank as bigint) as review_rank,
    call_id,
    scorer_a,
    scorer_kind_a,
    score_a,
    scorer_b,
    scorer_kind_b,
    score_b,
    disagreement
from ranked
where review_rank <= {{ var("calibration_review_pairs") }}
