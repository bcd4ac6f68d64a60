-- Calls of the cycle with their rep's manager and team and the rubric version in force
-- on the call's date (the version its scores are consolidated under).
with

calls as (
    select * from {{ ref('stg_raw__calls') }}
),

reps as (
    select * from {{ ref('stg_raw__reps') }}
),

versions as (
    select distinct
        rubric_version,
        effective_from,
        scale_min,
        scale_max
    from {{ ref('stg_raw__rubric_criteria') }}
),

call_versions as (
    select
        calls.call_id,
        max_by(versions.rubric_version, versions.effective_from) as rubric_version
    from calls
    inner join versions on calls.call_date >= versions.effective_from
    group by calls.call_id
)

select
    calls.call_id,
    calls.rep_id,
    reps.manager_id,
    reps.team,
    calls.started_at,
    calls.call_date,
    calls.duration_s,
    calls.opportunity_id,
    call_versions.rubric_version,
    versions.scale_min,
    versions.scale_max
from calls
inner join reps on calls.rep_id = reps.rep_id
left join call_versions on calls.call_id = call_versions.call_id
left join versions on call_versions.rubric_version = versions.rubric_version
