-- Step 5 coaching effect: every rep's follow-up score on every criterion (not only the
-- coached reps' primary criterion), next to the cycle score, the rep's sample status and
-- the criterion's coaching priority rank (null when not a priority). The follow-up score
-- is the one of fct_rescore_deltas (macro followup_rep_criterion_scores) over the rep's
-- window (macro rep_windows). The criteria that were not coached are the comparison that
-- lets the coaching_effect asset tell coaching from regression to the mean.
-- is_active: false for a rep inactive in the cycle's reps snapshot (active = false) or in
-- the follow-up window's (label <cycle>-followup, as fct_rescore_deltas); the asset leaves
-- such reps out entirely. is_provisional: the rep's primary priority is provisional (null
-- without one); the asset's confirmed effect leaves such reps out.
with

criterion_scores as (
    select * from {{ ref('fct_rep_criterion_scores') }}
    where cycle = {{ cycle_key() }}
),

scorecards as (
    select * from {{ ref('fct_rep_scorecards') }}
    where cycle = {{ cycle_key() }}
),

priorities as (
    select * from {{ ref('fct_coaching_priorities') }}
    where cycle = {{ cycle_key() }}
),

rep_windows as (
    {{ rep_windows() }}
),

windows as (
    select
        criterion_scores.rep_id,
        criterion_scores.criterion_id,
        criterion_scores.rep_score as cycle_score,
        rep_windows.manager_id,
        rep_windows.window_start
    from criterion_scores
    inner join rep_windows on criterion_scores.rep_id = rep_windows.rep_id
),

inactive_reps as (
    select distinct rep_id
    from {{ source('raw', 'reps') }}
    where
        cycle in ({{ cycle_key() }}, {{ followup_label() }})
        and active = false
),

primary_priorities as (
    select
        rep_id,
        is_provisional
    from priorities
    where rank = 1
),

followup_scores as (
    select * from {{ ref('int_followup_call_scores') }}
),

followup as (
    {{ followup_rep_criterion_scores('windows', 'followup_scores') }}
)

select
    windows.rep_id,
    {{ cycle_key() }} as cycle,
    windows.manager_id,
    windows.criterion_id,
    scorecards.sample_status,
    priorities.rank as priority_rank,
    windows.cycle_score,
    followup.followup_score,
    coalesce(followup.n_followup_calls, 0) as n_followup_calls,
    cast(windows.window_start as date) as followup_start,
    inactive_reps.rep_id is null as is_active,
    primary_priorities.is_provisional
from windows
left join scorecards on windows.rep_id = scorecards.rep_id
left join priorities
    on windows.rep_id = priorities.rep_id and windows.criterion_id = priorities.criterion_id
left join followup
    on windows.rep_id = followup.rep_id and windows.criterion_id = followup.criterion_id
left join inactive_reps on windows.rep_id = inactive_reps.rep_id
left join primary_priorities on windows.rep_id = primary_priorities.rep_id
