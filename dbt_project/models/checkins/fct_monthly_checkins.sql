-- Monthly check-in, per rep with a primary coaching priority in the last quarterly
-- assessment: the mean of the primary criterion over the rep's var('checkin_calls') most
-- recent scored calls from the window start (the coaching session, else the assessment
-- date) to the month's end, compared with the cycle score. Status: no_calls when the rep
-- has no scored call yet; insufficient_checkin with fewer than var('min_checkin_calls')
-- (no verdict on so few calls); else improving when the difference reaches
-- var('checkin_improvement_threshold') (the 30-day target, 0.5, by default),
-- improving_below_target when it reaches var('checkin_rise_threshold') but not the target,
-- not_improving below that.
-- is_provisional: the primary priority comes from scores that are not calibrated.
with

windows as (
    {{ coached_rep_windows() }}
),

window_calls as (
    select
        windows.rep_id,
        checkin_scores.score,
        checkin_scores.started_at,
        row_number() over (
            partition by windows.rep_id
            order by checkin_scores.started_at desc, checkin_scores.call_id desc
        ) as recency
    from windows
    inner join {{ ref('int_checkin_call_scores') }} as checkin_scores
        on
            windows.rep_id = checkin_scores.rep_id
            and windows.criterion_id = checkin_scores.criterion_id
            and windows.window_start <= checkin_scores.started_at
            and checkin_scores.started_at
            < cast('{{ partition_var("checkin_end") }}' as {{ type_timestamp_tz() }})
),

recent as (
    select
        rep_id,
        {{ stable_avg('score') }} as checkin_score,
        count(*) as n_checkin_calls,
        min(started_at) as first_call_at,
        max(started_at) as last_call_at
    from window_calls
    where recency <= {{ var("checkin_calls") }}
    group by rep_id
)

select
    windows.rep_id,
    {{ checkin_month() }} as month,
    {{ cycle_key() }} as cycle,
    windows.manager_id,
    windows.criterion_id,
    windows.cycle_score,
    recent.checkin_score,
    coalesce(recent.n_checkin_calls, 0) as n_checkin_calls,
    recent.checkin_score - windows.cycle_score as delta,
    cast(windows.window_start as date) as window_start,
    recent.first_call_at,
    recent.last_call_at,
    case
        when recent.n_checkin_calls is null then 'no_calls'
        when recent.n_checkin_calls < {{ var("min_checkin_calls") }} then 'insufficient_checkin'
        when {{ reaches(
            "recent.checkin_score - windows.cycle_score", var("checkin_improvement_threshold")
        ) }}
            then 'improving'
        when {{ reaches(
            "recent.checkin_score - windows.cycle_score", var("checkin_rise_threshold")
        ) }}
            then 'improving_below_target'
        else 'not_improving'
    end as status,
    windows.is_provisional
from windows
left join recent on windows.rep_id = recent.rep_id
