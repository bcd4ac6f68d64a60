with

source as (
    select * from {{ source('raw', 'utterances') }}
    where cycle = {{ cycle_key() }}
),

renamed as (
    select
        call_id,
        seq,
        start_ms,
        end_ms,
        speaker_role,
        speaker_name,
        text as utterance_text
    from source
)

select * from renamed
