{#- Step 5 windows after an assessment (the 30-day follow-up, the monthly check-ins). -#}

{#- Where a rep's window starts: the coaching session for the cycle where one is recorded
    (the rep's first), else the assessment date (the day after the cycle). One row per rep
    of the cycle, with the manager. -#}
{% macro rep_windows() -%}
    select
        reps.rep_id,
        reps.manager_id,
        sessions.delivered_on as coaching_delivered_on,
        {{ window_start('sessions.delivered_on') }} as window_start
    from {{ source('raw', 'reps') }} as reps
    left join ({{ cycle_coaching_sessions() }}) as sessions on reps.rep_id = sessions.rep_id
    where reps.cycle = {{ cycle_key() }}
{%- endmacro %}

{% macro cycle_coaching_sessions() -%}
    select
        rep_id,
        min(delivered_on) as delivered_on
    from {{ source('raw', 'coaching_sessions') }}
    where cycle = {{ cycle_key() }}
    group by rep_id
{%- endmacro %}

{% macro window_start(delivered_on) -%}
    cast(coalesce({{ delivered_on }}, {{ cycle_end_date() }}) as {{ type_timestamp_tz() }})
{%- endmacro %}

{#- The cycle's coached reps, each with the primary coaching priority, the score on it
    in the cycle, the manager, and where the rep's window starts (macro window_start).
    is_provisional: the priority comes from scores that are not calibrated; every Step 5
    mart carries it into its rows and counts. -#}
{% macro coached_rep_windows() -%}
    select
        priorities.rep_id,
        reps.manager_id,
        priorities.criterion_id,
        priorities.rep_score as cycle_score,
        priorities.is_provisional,
        sessions.delivered_on as coaching_delivered_on,
        {{ window_start('sessions.delivered_on') }} as window_start
    from {{ ref('fct_coaching_priorities') }} as priorities
    left join {{ source('raw', 'reps') }} as reps
        on priorities.rep_id = reps.rep_id and reps.cycle = {{ cycle_key() }}
    left join ({{ cycle_coaching_sessions() }}) as sessions on priorities.rep_id = sessions.rep_id
    where priorities.cycle = {{ cycle_key() }} and priorities.rank = 1
{%- endmacro %}

{#- Step 5 follow-up score, the one place it is defined: per rep and criterion of
    ``windows`` (rep_id, criterion_id, window_start), the mean over the rep's
    var('followup_calls') most recent calls scored on the criterion in ``call_scores``
    (call_id, rep_id, criterion_id, score, started_at) within
    [window_start, window_start + var('followup_days') days), and how many were averaged. -#}
{% macro followup_rep_criterion_scores(windows, call_scores) -%}
    select
        rep_id,
        criterion_id,
        {{ stable_avg('score') }} as followup_score,
        count(*) as n_followup_calls
    from (
        select
            windows.rep_id,
            windows.criterion_id,
            call_scores.score,
            row_number() over (
                partition by windows.rep_id, windows.criterion_id
                order by call_scores.started_at desc, call_scores.call_id desc
            ) as recency
        from {{ windows }} as windows
        inner join {{ call_scores }} as call_scores
            on
                windows.rep_id = call_scores.rep_id
                and windows.criterion_id = call_scores.criterion_id
                and windows.window_start <= call_scores.started_at
                and call_scores.started_at
                < windows.window_start + interval '{{ var("followup_days") }} days'
    ) as window_calls
    where recency <= {{ var("followup_calls") }}
    group by rep_id, criterion_id
{%- endmacro %}

{#- The calls of a window loaded into the raw tables under ``label`` (by the asset that
    also records the window in ``loaded_labels``, a query returning the loaded labels),
    each with its consolidated scores (landed and automated, macro partition_scores) by
    the same policy as the cycle's own calls and the rubric version in force on its day. -#}
{% macro window_call_scores(label, loaded_labels) -%}
    with

    calls as (
        select * from {{ source('raw', 'calls') }}
        where cycle = {{ label }} and cycle in ({{ loaded_labels }})
    ),

    versions as (
        select distinct
            rubric_version,
            effective_from
        from {{ source('raw', 'rubric_criteria') }}
        where cycle = {{ label }}
    ),

    calls_with_version as (
        select
            calls.call_id,
            calls.rep_id,
            calls.started_at,
            max_by(versions.rubric_version, versions.effective_from) as rubric_version
        from calls
        inner join versions on versions.effective_from <= cast(calls.started_at as date)
        group by calls.call_id, calls.rep_id, calls.started_at
    ),

    scores as (
        {{ partition_scores(label) }}
    ),

    consolidated as (
        {{ consolidated_scores('calls_with_version', 'scores') }}
    )

    select
        consolidated.call_id,
        consolidated.criterion_id,
        consolidated.score,
        consolidated.score_source,
        calls_with_version.rep_id,
        calls_with_version.started_at
    from consolidated
    inner join calls_with_version on consolidated.call_id = calls_with_version.call_id
{%- endmacro %}

{#- The check-in month (``YYYY-MM``) and its partition label in the raw tables. -#}
{% macro checkin_month() -%}
    '{{ partition_var("checkin_month") }}'
{%- endmacro %}

{#- Its one home is salesassess.method.calendar.checkin_label, passed with the month. -#}
{% macro checkin_label() -%}
    '{{ partition_var("checkin_label") }}'
{%- endmacro %}

{#- Check-ins keep every month; a run replaces only its own month's rows. -#}
{% macro delete_checkin_rows() -%}
    {{ delete_partition_rows("month", checkin_month()) }}
{%- endmacro %}
