{#- The partition's window and key (salesassess.method.calendar: CycleWindow.dbt_vars,
    CheckinWindow.dbt_vars), read here alone. Dagster passes them in the environment variable
    ASSESSMENT_DBT_PARTITION (one JSON object), read at run time only: dbt's parse then never
    depends on the partition, and a run of another partition reuses the partial parse (a
    var given with --vars invalidates it). Without that variable (dbt on the command line,
    unit tests' overrides) they are vars, defaults in dbt_project.yml. Windows are
    half-open: start <= t < end. -#}
{% macro partition_var(name) -%}
    {%- if execute -%}
        {%- set window = fromjson(env_var("ASSESSMENT_DBT_PARTITION", "{}")) -%}
        {{- return(window.get(name, var(name))) -}}
    {%- endif -%}
    {{- return(var(name)) -}}
{%- endmacro %}

{% macro cycle_key() -%}
    '{{ partition_var("cycle") }}'
{%- endmacro %}

{% macro in_cycle_window(column) -%}
    ({{ column }} >= cast('{{ partition_var("cycle_start") }}' as {{ type_timestamp_tz() }})
    and {{ column }} < cast('{{ partition_var("cycle_end") }}' as {{ type_timestamp_tz() }}))
{%- endmacro %}

{% macro cycle_start_date() -%}
    cast(cast('{{ partition_var("cycle_start") }}' as {{ type_timestamp_tz() }}) as date)
{%- endmacro %}

{% macro cycle_end_date() -%}
    cast(cast('{{ partition_var("cycle_end") }}' as {{ type_timestamp_tz() }}) as date)
{%- endmacro %}

{#- Marts keep every partition (cycle or check-in month); a run replaces only its own
    rows (idempotent). On DuckDB the pre-hook deletes them before the append; on Spark the
    marts are partitioned by that column and written with insert_overwrite
    (dbt_project.yml), which replaces the partition, so there is nothing to delete. -#}
{% macro delete_partition_rows(column, value) -%}
    {{ return(adapter.dispatch("delete_partition_rows", "sales_assessment")(column, value)) }}
{%- endmacro %}

{% macro default__delete_partition_rows(column, value) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ column }} = {{ value }}
    {%- endif -%}
{%- endmacro %}

{% macro spark__delete_partition_rows(column, value) -%}
{%- endmacro %}

{% macro delete_cycle_rows() -%}
    {{ delete_partition_rows("cycle", cycle_key()) }}
{%- endmacro %}

{#- ISO year and week of a date, e.g. 2026-W27. -#}
{% macro iso_week_key(day) -%}
    {{ return(adapter.dispatch("iso_week_key", "sales_assessment")(day)) }}
{%- endmacro %}

{% macro default__iso_week_key(day) -%}
    strftime({{ day }}, '%G-W%V')
{%- endmacro %}

{% macro spark__iso_week_key(day) -%}
    concat(
        cast(year(date_add({{ day }}, 3 - ((dayofweek({{ day }}) + 5) % 7))) as string),
        '-W',
        lpad(cast(weekofyear({{ day }}) as string), 2, '0')
    )
{%- endmacro %}

{#- A raw partition label that is a cycle (YYYY-Qn), not a follow-up or check-in window. -#}
{% macro is_cycle_label(column) -%}
    ({{ column }} like '____-Q_')
{%- endmacro %}

{#- The partition label of the cycle's follow-up window in the raw tables (its one home is
    salesassess.method.calendar.followup_label, passed with the cycle). -#}
{% macro followup_label() -%}
    '{{ partition_var("followup_label") }}'
{%- endmacro %}

{#- The cycle before this one, e.g. 2026-Q1 -> 2025-Q4 (salesassess.method.calendar.previous_cycle,
    passed with the cycle). -#}
{% macro previous_cycle_key() -%}
    '{{ partition_var("previous_cycle") }}'
{%- endmacro %}
