-- Step 3: a rep's coaching priorities are the criteria with the largest positive weighted
-- gap = (team benchmark - rep score) x weight, ranked; ties go to the heavier criterion,
-- then to the rubric's order. A gap under var('min_priority_gap') points on the scale is
-- not a priority. Reps with insufficient_sample get none, nor do inactive reps (active =
-- false in the cycle's reps snapshot: no priority, evidence, scenario or follow-up). A
-- priority computed from a rubric version that is not calibrated, or from automated /
-- external scores while that scorer is not calibrated against humans, keeps that status
-- (not_calibrated, or insufficient_double_scoring), the reasons, and is_provisional; so
-- does a priority from an unrepresentative sample (sample_status, sample_reason): it is
-- shown, and every Step 5 mart that counts it carries the flag.
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
        samples.sample_status,
        samples.sample_reason,
        (criterion_scores.team_benchmark - criterion_scores.rep_score)
        * criterion_scores.weight as weighted_gap
    from criterion_scores
    inner join samples on criterion_scores.rep_id = samples.rep_id
    where samples.sample_status in ('ok', 'unrepresentative') and samples.is_active
),

ranked as (
    select
        *,
        row_number() over (
            partition by rep_id
            order by weighted_gap desc, weight desc, criterion_position asc
        ) as priority_rank
    from gaps
    where {{ is_priority_gap('team_benchmark - rep_score') }}
),

relevant as (
    select
        ranked.*,
        coalesce(rubric.calibration_status, 'insufficient_double_scoring') as rubric_status,
        'rubric version ' || ranked.rubric_version || ': ' || rubric.reason as rubric_reason,
        case
            when ranked.n_auto_scored_calls > 0
                then coalesce(auto.calibration_status, 'insufficient_double_scoring')
            else 'calibrated'
        end as auto_status,
        'automated scorer: ' || auto.reason as auto_reason,
        case
            when ranked.n_external_scored_calls > 0
                then coalesce(external.calibration_status, 'insufficient_double_scoring')
            else 'calibrated'
        end as external_status,
        'external scorer: ' || external.reason as external_reason
    from ranked
    left join calibration as rubric
        on ranked.rubric_version = rubric.rubric_version and rubric.comparison = 'human'
    left join calibration as auto
        on ranked.rubric_version = auto.rubric_version and auto.comparison = 'auto_vs_human'
    left join calibration as external
        on
            ranked.rubric_version = external.rubric_version
            and external.comparison = 'external_vs_human'
    where ranked.priority_rank <= {{ var("coaching_priorities_per_rep") }}
),

statuses as (
    select
        *,
        case
            when 'not_calibrated' in (rubric_status, auto_status, external_status)
                then 'not_calibrated'
            when 'insufficient_double_scoring' in (rubric_status, auto_status, external_status)
                then 'insufficient_double_scoring'
            else 'calibrated'
        end as calibration_status
    from relevant
)

select
    rep_id,
    {{ cycle_key() }} as cycle,
    cast(priority_rank as bigint) as rank,
    criterion_id,
    criterion_name,
    rubric_version,
    rep_score,
    team_benchmark as team_score,
    weight,
    weighted_gap,
    calibration_status,
    nullif(
        concat_ws(
            '; ',
            case when rubric_status != 'calibrated' then rubric_reason end,
            case when auto_status != 'calibrated' then auto_reason end,
            case when external_status != 'calibrated' then external_reason end
        ),
        ''
    ) as calibration_reason,
    (calibration_status != 'calibrated' or sample_status != 'ok') as is_provisional,
    sample_status,
    sample_reason
from statuses
