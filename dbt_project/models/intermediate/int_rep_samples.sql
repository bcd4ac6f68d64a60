-- Step 2: each rep's sample in the cycle. A scored call is fully scored under the cycle's
-- rubric version; below var('min_scored_calls') the rep is insufficient_sample and gets
-- no coaching priority. A sample large enough is then judged for its spread over the
-- cycle's ISO weeks: when the rep's calls span at least var('sample_min_weeks') ISO weeks,
-- no ISO week may hold more than var('sample_max_week_share') of the rep's scored calls,
-- unless it also holds more than that share of the rep's calls (the sample then mirrors
-- the rep's own calls). A sample that breaks it is unrepresentative: its priorities are
-- kept but provisional, sample_reason says why, and n_calls_to_score / weeks_to_score
-- say how many calls to score, from which weeks (fct_review_queue proposes them).
-- is_active: the cycle's reps snapshot (active, default true).
{%- set max_week_percent = (var("sample_max_week_share") * 100)
    | round(1) | string | replace(".0", "") %}
with

reps as (
    select * from {{ ref('stg_raw__reps') }}
),

calls as (
    select * from {{ ref('fct_call_scores') }}
    where cycle = {{ cycle_key() }}
),

cycle_rubric as (
    select distinct rubric_version from {{ ref('int_rubric_criteria_in_force') }}
),

rep_calls as (
    select
        calls.rep_id,
        calls.call_id,
        {{ iso_week_key('calls.call_date') }} as iso_week,
        calls.n_criteria_scored > 0 as has_score,
        coalesce(
            calls.is_fully_scored and calls.rubric_version = cycle_rubric.rubric_version, false
        ) as is_scored
    from calls
    cross join cycle_rubric
),

call_counts as (
    select
        rep_id,
        count(*) as n_calls,
        count(*) filter (where has_score) as n_calls_with_score,
        count(*) filter (where is_scored) as n_scored_calls,
        count(distinct iso_week) as n_call_weeks
    from rep_calls
    group by rep_id
),

weeks as (
    select
        rep_calls.rep_id,
        rep_calls.iso_week,
        count(*) as n_week_calls,
        count(*) filter (where rep_calls.is_scored) as n_week_scored_calls,
        count(*) filter (where not rep_calls.is_scored) as n_week_unscored_calls,
        call_counts.n_calls,
        call_counts.n_scored_calls,
        call_counts.n_call_weeks
    from rep_calls
    inner join call_counts on rep_calls.rep_id = call_counts.rep_id
    group by
        rep_calls.rep_id,
        rep_calls.iso_week,
        call_counts.n_calls,
        call_counts.n_scored_calls,
        call_counts.n_call_weeks
),

-- a week that holds more than the share of the scored calls, but not more than that share
-- of the rep's calls, in a cycle whose calls span enough weeks
crowded as (
    select
        *,
        n_call_weeks >= {{ var("sample_min_weeks") }}
        and n_scored_calls > 0
        and not {{ at_most(
            "cast(n_week_scored_calls as double) / n_scored_calls",
            var("sample_max_week_share")
        ) }}
        and {{ at_most(
            "cast(n_week_calls as double) / n_calls", var("sample_max_week_share")
        ) }} as is_crowded
    from weeks
),

crowded_reps as (
    select
        rep_id,
        iso_week as crowded_week,
        n_week_scored_calls as n_crowded_week_scored_calls
    from (
        select
            *,
            -- the crowded week with the most scored calls (the earliest of a tie)
            row_number() over (
                partition by rep_id order by n_week_scored_calls desc, iso_week asc
            ) as crowded_rank
        from crowded
        where is_crowded
    ) as ranked
    where crowded_rank = 1
),

weeks_to_score as (
    select
        crowded.rep_id,
        {{ ordered_string_agg("crowded.iso_week", "crowded.iso_week", ", ") }} as weeks_to_score
    from crowded
    inner join crowded_reps on crowded.rep_id = crowded_reps.rep_id
    where not crowded.is_crowded and crowded.n_week_unscored_calls > 0
    group by crowded.rep_id
),

samples as (
    select
        reps.rep_id,
        reps.team,
        reps.is_active,
        coalesce(call_counts.n_calls, 0) as n_calls,
        coalesce(call_counts.n_calls_with_score, 0) as n_calls_with_score,
        coalesce(call_counts.n_scored_calls, 0) as n_scored_calls,
        coalesce(call_counts.n_call_weeks, 0) as n_call_weeks,
        crowded_reps.crowded_week,
        crowded_reps.n_crowded_week_scored_calls,
        weeks_to_score.weeks_to_score,
        case
            when coalesce(call_counts.n_scored_calls, 0) < {{ var("min_scored_calls") }}
                then 'insufficient_sample'
            when crowded_reps.rep_id is not null then 'unrepresentative'
            else 'ok'
        end as sample_status
    from reps
    left join call_counts on reps.rep_id = call_counts.rep_id
    left join crowded_reps on reps.rep_id = crowded_reps.rep_id
    left join weeks_to_score on reps.rep_id = weeks_to_score.rep_id
)

select
    rep_id,
    team,
    is_active,
    n_calls,
    n_calls_with_score,
    n_scored_calls,
    n_call_weeks,
    sample_status,
    case
        when sample_status = 'unrepresentative'
            then
                cast(n_crowded_week_scored_calls as string) || ' of '
                || cast(n_scored_calls as string) || ' scored calls fall in ISO week '
                || crowded_week || ' (more than '
                || '{{ max_week_percent }}'
                || '%), while all ' || cast(n_calls as string)
                || ' calls span ' || cast(n_call_weeks as string) || ' ISO weeks'
    end as sample_reason,
    -- the fewest calls to score outside the crowded weeks so that the most crowded one
    -- holds no more than the share: ceil(crowded / share - scored)
    case
        when sample_status = 'unrepresentative'
            then cast(ceil({{ threshold_value(
                "n_crowded_week_scored_calls / " ~ var("sample_max_week_share")
                ~ " - n_scored_calls"
            ) }}) as bigint)
        else 0
    end as n_calls_to_score,
    case when sample_status = 'unrepresentative' then weeks_to_score end as weeks_to_score
from samples
