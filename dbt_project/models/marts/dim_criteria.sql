-- One row per criterion of every rubric version loaded for the cycle: its name,
-- description, weight and scale, and whether its version is the one the cycle is assessed
-- under. The anchors are in dim_criterion_anchors.
with

criteria as (
    select * from {{ ref('stg_raw__rubric_criteria') }}
),

in_force as (
    select distinct rubric_version from {{ ref('int_rubric_criteria_in_force') }}
)

select
    criteria.criterion_id,
    criteria.rubric_version,
    {{ cycle_key() }} as cycle,
    criteria.rubric_id,
    criteria.effective_from,
    criteria.criterion_position,
    criteria.criterion_name,
    criteria.criterion_description,
    criteria.weight,
    criteria.scale_min,
    criteria.scale_max,
    in_force.rubric_version is not null as is_in_force
from criteria
left join in_force on criteria.rubric_version = in_force.rubric_version
