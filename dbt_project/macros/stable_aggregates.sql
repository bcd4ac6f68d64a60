{#- Float sums and means whose result does not depend on the order rows arrive in
    (issue 32, rerun determinism). A parallel hash aggregate or window adds a group's
    doubles in whatever order its threads meet them, so on identical input a mean can
    come out differently in the last bit from run to run (measured: 6 different means of
    the same 2M rows in 6 runs of plain avg with threads=2). These macros add a group's
    values in ascending order of the values themselves: the order is unique (values that
    tie are equal, so swapping them changes nothing), whatever the key columns, the row
    groups or the threads, so the result is bit-identical on every run. Nulls are left out
    as by avg and sum; a group without a value gives null. Use them for every sum or mean
    of doubles that reaches a mart; integer sums and counts are exact and need nothing.

    DuckDB: an ordered aggregate, avg(x order by x), which sorts each group's values before
    adding them one by one. Spark: the group's values collected, sorted and folded left to
    right (aggregate(array_sort(collect_list(x)), ...)), the same additions in the same
    order, so the two engines agree to the bit as well. -#}

{#- The mean of ``expr`` over the group, added in ascending order. -#}
{% macro stable_avg(expr) -%}
    {{ return(adapter.dispatch("stable_avg", "sales_assessment")(expr)) }}
{%- endmacro %}

{% macro default__stable_avg(expr) -%}
    avg(cast({{ expr }} as double) order by cast({{ expr }} as double))
{%- endmacro %}

{% macro spark__stable_avg(expr) -%}
    {{ spark__stable_sum(expr) }} / nullif(count({{ expr }}), 0)
{%- endmacro %}

{#- The sum of ``expr`` over the group, added in ascending order. -#}
{% macro stable_sum(expr) -%}
    {{ return(adapter.dispatch("stable_sum", "sales_assessment")(expr)) }}
{%- endmacro %}

{% macro default__stable_sum(expr) -%}
    sum(cast({{ expr }} as double) order by cast({{ expr }} as double))
{%- endmacro %}

{% macro spark__stable_sum(expr) -%}
    case
        when count({{ expr }}) > 0
            then aggregate(
                array_sort(collect_list(cast({{ expr }} as double))),
                cast(0 as double),
                (total, value) -> total + value
            )
    end
{%- endmacro %}
