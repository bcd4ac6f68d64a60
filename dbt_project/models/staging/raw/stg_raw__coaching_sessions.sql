with

source as (
    select * from {{ source('raw', 'coaching_sessions') }}
    where cycle = {{ cycle_key() }}
),

renamed as (
    select
        rep_id,
        criterion_id,
        delivered_on,
        coach_id,
        note
    from source
)

select * from renamed
