{#- Rank of a scorer kind under the score consolidation policy (lower wins). -#}
{% macro score_source_rank(column) -%}
    case {{ column }}
    {%- for kind in var("score_source_priority") %}
        when '{{ kind }}' then {{ loop.index }}
    {%- endfor %}
    end
{%- endmacro %}

{#- A JSON object text {key: value, ...} aggregated over a group. -#}
{% macro json_object_agg(key, value) -%}
    {{ return(adapter.dispatch("json_object_agg", "sales_assessment")(key, value)) }}
{%- endmacro %}

{% macro default__json_object_agg(key, value) -%}
    cast(to_json(map(list({{ key }} order by {{ key }}), list({{ value }} order by {{ key }}))) as string)
{%- endmacro %}

{% macro spark__json_object_agg(key, value) -%}
    to_json(map_from_entries(sort_array(collect_list(struct({{ key }}, {{ value }})))))
{%- endmacro %}

{#- Text values of a group joined by a separator in the order of another column. -#}
{% macro ordered_string_agg(value, order_by, separator) -%}
    {{ return(adapter.dispatch("ordered_string_agg", "sales_assessment")(value, order_by, separator)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(value, order_by, separator) -%}
    string_agg({{ value }}, '{{ separator }}' order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_string_agg(value, order_by, separator) -%}
    array_join(
        transform(
            array_sort(collect_list(struct({{ order_by }} as k, {{ value }} as v))),
            x -> x.v
        ),
        '{{ separator }}'
    )
{%- endmacro %}

{#- Score consolidation policy, the one place it is written: of the scorer kinds that
    scored a call on a criterion, the first in var('score_source_priority') (default human,
    then external, then auto) decides; several scorers of that kind are averaged. Only
    scores given under the call's rubric version count. `calls` needs call_id and
    rubric_version; `scores` needs call_id, criterion_id, score, scorer_kind and
    rubric_version. -#}
{% macro consolidated_scores(calls, scores) -%}
    select
        call_id,
        criterion_id,
        any_value(rubric_version) as rubric_version,
        any_value(scorer_kind) as score_source,
        {{ stable_avg('score') }} as score,
        count(*) as n_scorers
    from (
        select
            scored.*,
            {{ score_source_rank('scored.scorer_kind') }} as source_rank,
            min({{ score_source_rank('scored.scorer_kind') }}) over (
                partition by scored.call_id, scored.criterion_id
            ) as best_source_rank
        from {{ scores }} as scored
        inner join {{ calls }} as called
            on
                scored.call_id = called.call_id
                and scored.rubric_version = called.rubric_version
    ) as ranked
    where source_rank = best_source_rank
    group by call_id, criterion_id
{%- endmacro %}

{#- Every score of a raw partition label (a cycle, or a follow-up or check-in window). -#}
{% macro partition_scores(label) -%}
    {{ scores_where("cycle = " ~ label) }}
{%- endmacro %}

{#- Every score of the raw partitions whose label meets ``condition`` (on ``cycle``): the
    one place the sources of scores are put side by side, the landed ones (human, external,
    and any automated ones brought in) and the built-in automated scorer's. -#}
{% macro scores_where(condition) -%}
    select
        call_id,
        criterion_id,
        score,
        scorer_id,
        scorer_kind,
        rubric_version_resolved as rubric_version,
        scored_at,
        evidence_start_ms,
        note
    from {{ source('raw', 'scores') }}
    where {{ condition }}
    union all
    select
        call_id,
        criterion_id,
        score,
        scorer_id,
        scorer_kind,
        rubric_version,
        cast(null as {{ type_timestamp_tz() }}) as scored_at,
        evidence_start_ms,
        evidence_reason as note
    from {{ source('raw', 'auto_scores') }}
    where {{ condition }}
{%- endmacro %}
