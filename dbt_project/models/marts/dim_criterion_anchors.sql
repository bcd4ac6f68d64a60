-- One row per criterion, level and rubric version loaded for the cycle: the behaviour
-- that earns the level (the rubric's anchor text).
with

anchors as (
    select * from {{ source('raw', 'rubric_anchors') }}
    where cycle = {{ cycle_key() }}
)

select
    criterion_id,
    rubric_version,
    level,
    {{ cycle_key() }} as cycle,
    anchor
from anchors
