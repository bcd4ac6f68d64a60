-- Step 3: a rep's coaching priorities are the criteria with the largest positive weighted
-- gap = (team benchmark - rep score) x weight, ranked; ties go to the heavier criterion,
-- then to the rubric's order. Reps with insufficient_sample get none.
with

criterion_scores as (
    select * from {{ ref('int_rep_criterion_scores') }}
),

samples as (
    select * from {{ ref('int_rep_samples') }}
),

gaps as (
    select
        criterion_scores.*,
        (criterion_scores.team_benchmark - criterion_scores.rep_score)
        * criterion_scores.weight as weighted_gap
    from criterion_scores
    inner join samples on criterion_scores.rep_id = samples.rep_id
    where samples.sample_status = 'ok'
),

ranked as (
    select
        *,
        row_number() over (
            partition by rep_id
            order by weighted_gap desc, weight desc, criterion_position asc
        ) as priority_rank
    from gaps
    where weighted_gap > 0
)

select
    rep_id,
    {{ cycle_key() }} as cycle,
    priority_rank as rank,
    criterion_id,
    criterion_name,
    rubric_version,
    rep_score,
    team_benchmark as team_score,
    weight,
    weighted_gap
from ranked
where priority_rank <= {{ var("coaching_priorities_per_rep") }}
