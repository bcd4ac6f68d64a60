-- Step 2 gate, per rubric version and comparison: 'human' calibrates the rubric version,
-- 'auto_vs_human' the automated scorer and 'external_vs_human' the external scorer (each
-- against humans, by the same rule). Per criterion:
--   insufficient_double_scoring: fewer than var('min_double_scored_calls') calls scored by
--     both sides (the seed: two scorers independently score the same 5 calls);
--   not_calibrated: enough calls, but pairs within var('agreement_tolerance') points under
--     var('agreement_target') of the time;
--   calibrated: enough calls and agreement at target.
-- The version (or scorer) is not_calibrated when any criterion is, else
-- insufficient_double_scoring when any criterion is, else calibrated. Scores that are not
-- calibrated are reported but do not drive coaching decisions; the reason says which
-- criteria, with their agreement or their number of double-scored calls.
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
    union all
    select 'external_vs_human' as comparison
),

grid as (
    select
        criteria.rubric_version,
        comparisons.comparison,
        criteria.criterion_id,
        criteria.criterion_position,
        coalesce(agreement.n_calls, 0) as n_calls,
        agreement.within_one_rate,
        case
            when coalesce(agreement.n_calls, 0) < {{ var("min_double_scored_calls") }}
                then 'insufficient_double_scoring'
            when agreement.meets_target then 'calibrated'
            else 'not_calibrated'
        end as criterion_status
    from criteria
    cross join comparisons
    left join agreement
        on
            criteria.rubric_version = agreement.rubric_version
            and criteria.criterion_id = agreement.criterion_id
            and comparisons.comparison = agreement.comparison
),

gated as (
    select
        rubric_version,
        comparison,
        case
            when sum(case when criterion_status = 'not_calibrated' then 1 else 0 end) > 0
                then 'not_calibrated'
            when
                sum(case when criterion_status = 'insufficient_double_scoring' then 1 else 0 end)
                > 0
                then 'insufficient_double_scoring'
            else 'calibrated'
        end as calibration_status,
        'within-' || cast({{ var("agreement_tolerance") }} as string) || ' agreement under '
        || cast(cast({{ var("agreement_target") }} * 100 as integer) as string) || '% on: '
        || {{ ordered_string_agg(
            "case when criterion_status = 'not_calibrated' then criterion_id || ' ('"
            " || cast(cast(round(within_one_rate * 100) as integer) as string) || '%)' end",
            "criterion_position",
            ", "
        ) }} as not_calibrated_reason,
        'fewer than ' || cast({{ var("min_double_scored_calls") }} as string)
        || ' double-scored calls on: '
        || {{ ordered_string_agg(
            "case when criterion_status = 'insufficient_double_scoring' then criterion_id"
            " || ' (' || cast(n_calls as string) || ')' end",
            "criterion_position",
            ", "
        ) }} as insufficient_reason
    from grid
    group by rubric_version, comparison
)

select
    rubric_version,
    comparison,
    calibration_status,
    calibration_status = 'calibrated' as calibrated,
    case
        when calibration_status = 'not_calibrated' then not_calibrated_reason
        when calibration_status = 'insufficient_double_scoring' then insufficient_reason
    end as reason
from gated
