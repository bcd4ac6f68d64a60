-- Step 5 re-score: per rep with a primary coaching priority in the cycle, the mean of the
-- primary criterion over the rep's var('followup_calls') most recent scored calls in the
-- var('followup_days') days from the assessment date (or from the rep's coaching session
-- for the cycle, where one is recorded); window [start, start + days) (macro
-- followup_rep_criterion_scores). Delta = follow-up - cycle score; improved when delta
-- >= var('improvement_threshold') (macro reaches: compared at 9 decimals); fewer than
-- var('followup_min_calls') calls is insufficient_followup, not "not improved".
-- change_coaching_approach: not improved on the same primary criterion in this cycle and
-- the one before. is_provisional: the primary priority comes from scores that are not
-- calibrated (fct_coaching_priorities); the verdict is shown but must not drive decisions.
-- A rep who turns inactive after the cycle (active = false in the follow-up window's reps
-- snapshot, label <cycle>-followup) gets status inactive: no verdict, counted in no band,
-- test or streak (the follow-up score and calls are still shown). A rep inactive in the
-- cycle itself has no priority, so no row. A rep absent from the window's snapshot is
-- judged as usual.
with

windows as (
    {{ coached_rep_windows() }}
),

followup_scores as (
    select * from {{ ref('int_followup_call_scores') }}
),

followup as (
    {{ followup_rep_criterion_scores('windows', 'followup_scores') }}
),

inactive_at_followup as (
    select distinct rep_id
    from {{ source('raw', 'reps') }}
    where cycle = {{ followup_label() }} and active = false
),

deltas as (
    select
        windows.*,
        followup.followup_score,
        coalesce(followup.n_followup_calls, 0) as n_followup_calls,
        case
            when inactive_at_followup.rep_id is not null then 'inactive'
            when coalesce(followup.n_followup_calls, 0) < {{ var("followup_min_calls") }}
                then 'insufficient_followup'
            when {{ reaches(
                "followup.followup_score - windows.cycle_score", var("improvement_threshold")
            ) }}
                then 'improved'
            else 'not_improved'
        end as status
    from windows
    left join followup
        on windows.rep_id = followup.rep_id and windows.criterion_id = followup.criterion_id
    left join inactive_at_followup on windows.rep_id = inactive_at_followup.rep_id
),

{% if is_incremental() %}
previous as (
    select rep_id, criterion_id, status
    from {{ this }}
    where cycle = {{ previous_cycle_key() }}
)
{% else %}
    previous as (
        select
            cast(null as string) as rep_id,
            cast(null as string) as criterion_id,
            cast(null as string) as status
        where false
    )
{% endif %}

select
    deltas.rep_id,
    {{ cycle_key() }} as cycle,
    deltas.manager_id,
    deltas.criterion_id,
    deltas.cycle_score,
    deltas.followup_score,
    deltas.n_followup_calls,
    deltas.followup_score - deltas.cycle_score as delta,
    deltas.status,
    cast(deltas.window_start as date) as followup_start,
    deltas.coaching_delivered_on,
    coalesce(
        deltas.status = 'not_improved'
        and previous.status = 'not_improved'
        and previous.criterion_id = deltas.criterion_id,
        false
    ) as change_coaching_approach,
    deltas.is_provisional
from deltas
left join previous on deltas.rep_id = previous.rep_id
