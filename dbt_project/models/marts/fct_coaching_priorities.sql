-- Step 3: a rep's coaching priorities are the criteria with the largest positive weighted
-- gap = (team benchmark - rep score) x weight, ranked; ties go to the heavier criterion,
-- then to the rubric's order. Reps with insufficient_sample get none. A priority computed
-- from a rubric version that is not calibrated (or from automated scores while the
-- automated scorer is not calibrated against humans) is marked not_calibrated, with why.
with

criterion_scores as (
    select * from {{ ref('int_rep_criterion_scores') }}
),

samples as (
    select * from {{ ref('int_rep_samples') }}
),

calibration as (
    select * from {{ ref('int_rubric_calibration') }}
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
    ranked.rep_id,
    {{ cycle_key() }} as cycle,
    ranked.priority_rank as rank,
    ranked.criterion_id,
    ranked.criterion_name,
    ranked.rubric_version,
    ranked.rep_score,
    ranked.team_benchmark as team_score,
    ranked.weight,
    ranked.weighted_gap,
    case
        when
            coalesce(rubric.calibrated, false)
            and (ranked.n_auto_scored_calls = 0 or coalesce(auto.calibrated, false))
            then 'calibrated'
        else 'not_calibrated'
    end as calibration_status,
    case
        when not coalesce(rubric.calibrated, false)
            then
                'rubric version ' || ranked.rubric_version || ': '
                || coalesce(rubric.reason, 'no calibration')
        when ranked.n_auto_scored_calls > 0 and not coalesce(auto.calibrated, false)
            then 'automated scorer: ' || coalesce(auto.reason, 'no calibration')
    end as calibration_reason
from ranked
left join calibration as rubric
    on ranked.rubric_version = rubric.rubric_version and rubric.comparison = 'human'
left join calibration as auto
    on ranked.rubric_version = auto.rubric_version and auto.comparison = 'auto_vs_human'
where ranked.priority_rank <= {{ var("coaching_priorities_per_rep") }}
