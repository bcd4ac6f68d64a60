with

-- Landed scores (human, external, and any automated ones brought in) and the built-in
-- automated scorer's, side by side.
source as (
    select * from {{ source('raw', 'scores') }}
    where cycle = {{ cycle_key() }}
),

automated as (
    select * from {{ source('raw', 'auto_scores') }}
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
    union all
    select
        call_id,
        criterion_id,
        score,
        scorer_id,
        scorer_kind,
        rubric_version,
        cast(null as {{ type_timestamp_tz() }}) as scored_at,
        evidence_start_ms,
        evidence_reason as note
    from automated
)

select * from renamed
