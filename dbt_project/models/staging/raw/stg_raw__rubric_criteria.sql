with

source as (
    select * from {{ source('raw', 'rubric_criteria') }}
    where cycle = {{ cycle_key() }}
),

renamed as (
    select
        rubric_id,
        rubric_version,
        effective_from,
        scale_min,
        scale_max,
        position as criterion_position,
        criterion_id,
        criterion_name,
        description as criterion_description,
        weight
    from source
)

select * from renamed
