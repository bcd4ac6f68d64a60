with

source as (
    select * from {{ source('raw', 'reps') }}
    where cycle = {{ cycle_key() }}
),

renamed as (
    select
        rep_id,
        rep_name,
        manager_id,
        coalesce(manager_name, manager_id) as manager_name,
        email,
        coalesce(team, '{{ var("default_team") }}') as team,
        hired_on,
        coalesce(active, true) as is_active
    from source
)

select * from renamed
