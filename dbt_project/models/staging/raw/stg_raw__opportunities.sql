with

source as (
    select * from {{ source('raw', 'opportunities') }}
    where cycle = {{ cycle_key() }}
),

renamed as (
    select
        opportunity_id,
        owner_rep_id,
        created_at as created_on,
        close_date,
        is_closed,
        is_won,
        stage,
        amount,
        account_id
    from source
)

select * from renamed
