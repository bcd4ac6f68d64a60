-- Step 5 manager effectiveness: per manager, the share of coached reps (a primary
-- priority and a follow-up verdict) who improved on it: >= var('effectiveness_working_share')
-- working, <= var('effectiveness_needs_adjustment_share') needs_adjustment, else mixed.
-- The row manager_id = 'team' is the team-wide figure. n_provisional counts the coached
-- reps whose primary priority comes from scores that are not calibrated; a band that counts
-- any of them is_provisional (shown, but not a basis for decisions); the *_confirmed
-- columns are the band without them, the one a decision rests on.
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
    {{ effectiveness_band("n_improved", "n_coached") }} as status,
    n_provisional,
    n_provisional > 0 as is_provisional,
    n_coached_confirmed,
    n_improved_confirmed,
    case
        when n_coached_confirmed > 0
            then cast(n_improved_confirmed as double) / n_coached_confirmed
    end as improved_share_confirmed,
    {{ effectiveness_band("n_improved_confirmed", "n_coached_confirmed") }} as status_confirmed
from per_manager
