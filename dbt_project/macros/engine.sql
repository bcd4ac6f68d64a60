{#- Where DuckDB (the default) and Spark SQL differ, the difference lives here, dispatched
    per adapter (dbt-databricks falls back to the spark__ variants). Models are written
    once and call these macros. -#}

{#- An instant (UTC): DuckDB's timestamp with time zone, Spark's timestamp (session time
    zone UTC, set in profiles.yml). -#}
{% macro type_timestamp_tz() -%}
    {{ return(adapter.dispatch("type_timestamp_tz", "sales_assessment")()) }}
{%- endmacro %}

{% macro default__type_timestamp_tz() -%}
    timestamp with time zone
{%- endmacro %}

{% macro spark__type_timestamp_tz() -%}
    timestamp
{%- endmacro %}

{#- Every match of a regular expression replaced. ``pattern`` is the expression itself (a
    Jinja string, written once): DuckDB reads SQL literals as they are, Spark unescapes
    backslashes in them, so its variant doubles them. RE2 and Java agree on the syntax the
    models use (classes, repetition, (?:), \b). -#}
{% macro regexp_replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch("regexp_replace_all", "sales_assessment")(text, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro spark__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern | replace("\\", "\\\\") }}', '{{ replacement }}')
{%- endmacro %}

{#- Whole days from one date to a later one, as an integer. -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch("days_between", "sales_assessment")(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    ({{ end_date }} - {{ start_date }})
{%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}

{#- Contracts name DuckDB's types (varchar, timestamp with time zone); on Spark the
    contract is checked against the same columns under Spark's names for those types. -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set spark_types = {"varchar": "string", "timestamp with time zone": "timestamp"} -%}
    select
    {% for name in columns -%}
        {%- set column = columns[name] -%}
        {%- set data_type = column["data_type"] | trim | lower -%}
        cast(null as {{ spark_types.get(data_type, data_type) }}) as {{ column["name"] }}
        {{- ", " if not loop.last }}
    {% endfor %}
{%- endmacro %}

{#- On Spark, the raw tables are Parquet files written by `python -m orchestration.engine
    export` (one folder per table, one file per partition label). When
    var('raw_parquet_dir') is set, each raw source that the selected models read is
    registered as an external Parquet table over its folder before the run; on a cluster
    whose metastore already holds raw.*, leave it unset. DuckDB reads its own raw schema
    and registers nothing. -#}
{% macro register_raw_parquet() -%}
    {{ return(adapter.dispatch("register_raw_parquet", "sales_assessment")()) }}
{%- endmacro %}

{% macro default__register_raw_parquet() -%}
{%- endmacro %}

{% macro spark__register_raw_parquet() -%}
    {%- set folder = var("raw_parquet_dir", "") -%}
    {%- if folder and execute -%}
        {%- set needed = [] -%}
        {%- for node in graph.nodes.values() if node.unique_id in selected_resources -%}
            {%- for parent in node.depends_on.nodes
                if parent.startswith("source.") and parent not in needed -%}
                {%- do needed.append(parent) -%}
            {%- endfor -%}
        {%- endfor -%}
        {%- do run_query("create schema if not exists raw") -%}
        {%- for source in graph.sources.values()
            if source.source_name == "raw" and source.unique_id in needed -%}
            {%- do run_query("drop table if exists raw." ~ source.identifier) -%}
            {%- do run_query(
                "create table raw." ~ source.identifier ~ " using parquet location '"
                ~ folder ~ "/" ~ source.identifier ~ "'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
