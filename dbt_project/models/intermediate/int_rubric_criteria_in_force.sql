-- The rubric version in force for the cycle: the latest version effective before the
-- cycle's end. Rep-level marts assess the cycle under this version.
with

criteria as (
    select * from {{ ref('stg_raw__rubric_criteria') }}
),

cycle_version as (
    select max_by(rubric_version, effective_from) as rubric_version
    from (
        select distinct
            rubric_version,
            effective_from
        from criteria
        where effective_from < {{ cycle_end_date() }}
    ) as versions
)

select criteria.*
from criteria
inner join cycle_version on criteria.rubric_version = cycle_version.rubric_version
