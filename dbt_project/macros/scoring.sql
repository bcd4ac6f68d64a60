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
    cast(to_json(map(list({{ key }} order by {{ key }}), list({{ value }} order by {{ key }}))) as varchar)
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
