-- Step 2 gate: a rubric version is calibrated (comparison 'human') only when every one of
-- its criteria has human scorer pairs agreeing within tolerance at least
-- var('agreement_target') of the time; the automated scorer (comparison 'auto_vs_human')
-- by the same rule against humans. Otherwise its scores are reported but do not drive
-- coaching decisions, and the reason says which criteria failed.
with

criteria as (
    select distinct
        rubric_version,
        criterion_id,
        criterion_position
    from {{ ref('stg_raw__rubric_criteria') }}
),

agreement as (
    select * from {{ ref('int_rubric_agreement') }}
),

comparisons as (
    select 'human' as comparison
    union all
    select 'auto_vs_human' as comparison
),

grid as (
    select
        criteria.rubric_version,
        comparisons.comparison,
        criteria.criterion_id,
        criteria.criterion_position,
        agreement.n_pairs,
        agreement.within_one_rate,
        agreement.meets_target
    from criteria
    cross join comparisons
    left join agreement
        on
            criteria.rubric_version = agreement.rubric_version
            and criteria.criterion_id = agreement.criterion_id
            and comparisons.comparison = agreement.comparison
)

select
    rubric_version,
    comparison,
    coalesce(bool_and(coalesce(meets_target, false)), false) as calibrated,
    case
        when bool_and(coalesce(meets_target, false)) then null
        when count(n_pairs) = 0 then 'no calls scored by two scorers'
        else
            'within-' || cast({{ var("agreement_tolerance") }} as string) || ' agreement under '
            || cast(cast({{ var("agreement_target") }} * 100 as integer) as string) || '% on: '
            || {{ ordered_string_agg(
                "case when not coalesce(meets_target, false) then criterion_id || ' ('"
                " || coalesce(cast(cast(round(within_one_rate * 100) as integer) as string)"
                " || '%', 'no pairs') || ')' end",
                "criterion_position",
                ", "
            ) }}
    end as reason
from grid
group by rubric_version, comparison
