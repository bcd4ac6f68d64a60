with

-- the cycle's partition (follow-up windows load the same calls under another label)
source as (
    select * from {{ source('raw', 'calls') }}
    where cycle = {{ cycle_key() }} and {{ in_cycle_window('started_at') }}
),

renamed as (
    select
        call_id,
        rep_id,
        started_at,
        cast(started_at as date) as call_date,
        duration_s,
        opportunity_id,
        title,
        direction
    from source
)

select * from renamed
