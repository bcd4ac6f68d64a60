-- Step 5 manager effectiveness: per manager, the share of coached reps (a primary
-- priority and a follow-up verdict) who improved on it: >= var('effectiveness_working_share')
-- working, <= var('effectiveness_needs_adjustment_share') needs_adjustment, else mixed.
-- The row manager_id = 'team' is the team-wide figure. n_provisional counts the coached
-- reps whose primary priority comes from scores that are not calibrated; a band that counts
-- any of them is_provisional (shown, but not a basis for decisions).
with

deltas as (
    select * from {{ ref('fct_rescore_deltas') }}
    where cycle = {{ cycle_key() }}
),

per_manager as (
    select
        manager_id,
        {{ followup_verdict_counts() }}
    from deltas
    group by manager_id
    union all
    select
        'team' as manager_id,
        {{ followup_verdict_counts() }}
    from deltas
)

select
    manager_id,
    {{ cycle_key() }} as cycle,
    n_coached,
    n_improved,
    n_insufficient_followup,
    case when n_coached > 0 then cast(n_improved as double) / n_coached end as improved_share,
    case
        when n_coached = 0 then 'no_followup'
        when {{ reaches(
            "cast(n_improved as double) / n_coached", var("effectiveness_working_share")
        ) }}
            then 'working'
        when {{ at_most(
            "cast(n_improved as double) / n_coached",
            var("effectiveness_needs_adjustment_share")
        ) }}
            then 'needs_adjustment'
        else 'mixed'
    end as status,
    n_provisional,
    n_provisional > 0 as is_provisional
from per_manager
