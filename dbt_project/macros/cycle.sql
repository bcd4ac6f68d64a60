{#- The partition's window and key, passed by Dagster as vars (defaults in dbt_project.yml).
    Windows are half-open: start <= t < end. -#}
{% macro cycle_key() -%}
    '{{ var("cycle") }}'
{%- endmacro %}

{% macro in_cycle_window(column) -%}
    ({{ column }} >= cast('{{ var("cycle_start") }}' as timestamp with time zone)
    and {{ column }} < cast('{{ var("cycle_end") }}' as timestamp with time zone))
{%- endmacro %}

{% macro cycle_start_date() -%}
    cast(cast('{{ var("cycle_start") }}' as timestamp with time zone) as date)
{%- endmacro %}

{% macro cycle_end_date() -%}
    cast(cast('{{ var("cycle_end") }}' as timestamp with time zone) as date)
{%- endmacro %}

{#- Marts keep every cycle; a run replaces only its own cycle's rows (idempotent). -#}
{% macro delete_cycle_rows() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where cycle = {{ cycle_key() }}
    {%- endif -%}
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

{#- The partition label of the cycle's follow-up window in the raw tables. -#}
{% macro followup_label() -%}
    '{{ var("cycle") }}-followup'
{%- endmacro %}

{#- The cycle before this one, e.g. 2026-Q1 -> 2025-Q4. -#}
{% macro previous_cycle_key() -%}
    {%- set year = var("cycle")[:4] | int -%}
    {%- set quarter = var("cycle")[-1:] | int -%}
    {%- if quarter == 1 -%}'{{ year - 1 }}-Q4'{%- else -%}'{{ year }}-Q{{ quarter - 1 }}'{%- endif -%}
{%- endmacro %}
