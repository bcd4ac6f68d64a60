-- One row per rep of the cycle's reps snapshot: the names and teams a dashboard labels
-- the fact marts' rep_id with.
with

reps as (
    select * from {{ ref('stg_raw__reps') }}
)

select
    rep_id,
    {{ cycle_key() }} as cycle,
    rep_name,
    manager_id,
    manager_name,
    team,
    is_active
from reps
