with

source as (
    select * from {{ source('raw', 'scores') }}
    where cycle = {{ cycle_key() }}
),

renamed as (
    select
        call_id,
        criterion_id,
        score,
        scorer_id,
        scorer_kind,
        rubric_version_resolved as rubric_version,
        scored_at,
        evidence_start_ms,
        note
    from source
)

select * from renamed
