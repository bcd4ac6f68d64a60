-- One row per manager of the cycle's reps snapshot: the name, the team (when all their
-- reps are in one) and how many reps report to them.
with

reps as (
    select * from {{ ref('stg_raw__reps') }}
    where manager_id is not null
)

select
    manager_id,
    {{ cycle_key() }} as cycle,
    max(manager_name) as manager_name,
    case when count(distinct team) = 1 then max(team) end as team,
    count(distinct team) as n_teams,
    count(*) as n_reps
from reps
group by manager_id
