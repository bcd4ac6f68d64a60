-- Step 2: per rubric version, comparison and criterion, the share of scorer pairs within
-- var('agreement_tolerance') points, the largest disagreement, and anchors_too_vague where
-- any pair differs by more than the tolerance.
with

pairs as (
    select * from {{ ref('int_scorer_pairs') }}
    where comparison is not null
)

select
    rubric_version,
    comparison,
    criterion_id,
    count(distinct call_id) as n_calls,
    count(*) as n_pairs,
    avg(case when disagreement <= {{ var("agreement_tolerance") }} then 1 else 0 end)
        as within_one_rate,
    max(disagreement) as max_disagreement,
    max(disagreement) > {{ var("agreement_tolerance") }} as anchors_too_vague,
    {{ reaches(
        "avg(case when disagreement <= " ~ var("agreement_tolerance") ~ " then 1 else 0 end)",
        var("agreement_target")
    ) }} as meets_target
from pairs
group by rubric_version, comparison, criterion_id
