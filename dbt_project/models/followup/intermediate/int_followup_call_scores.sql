-- Step 5: calls of the cycle's follow-up window (loaded by the raw/followup asset under
-- the label <cycle>-followup) with their consolidated scores, by the same consolidation
-- policy as the cycle's own calls.
with

loaded_window as (
    select label from {{ source('raw', 'followup_windows') }}
    where cycle = {{ cycle_key() }}
),

calls as (
    select * from {{ source('raw', 'calls') }}
    where cycle in (select loaded_window.label from loaded_window)
),

versions as (
    select distinct
        rubric_version,
        effective_from
    from {{ source('raw', 'rubric_criteria') }}
    where cycle = {{ followup_label() }}
),

calls_with_version as (
    select
        calls.call_id,
        calls.rep_id,
        calls.started_at,
        max_by(versions.rubric_version, versions.effective_from) as rubric_version
    from calls
    inner join versions on versions.effective_from <= cast(calls.started_at as date)
    group by calls.call_id, calls.rep_id, calls.started_at
),

scores as (
    select
        call_id,
        criterion_id,
        score,
        scorer_kind,
        rubric_version_resolved as rubric_version
    from {{ source('raw', 'scores') }}
    where cycle = {{ followup_label() }}
),

consolidated as (
    {{ consolidated_scores('calls_with_version', 'scores') }}
)

select
    consolidated.call_id,
    consolidated.criterion_id,
    consolidated.score,
    consolidated.score_source,
    calls_with_version.rep_id,
    calls_with_version.started_at
from consolidated
inner join calls_with_version on consolidated.call_id = calls_with_version.call_id
