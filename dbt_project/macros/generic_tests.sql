{#- Generic data tests the project needs without dbt_utils. -#}

{#- The columns together identify a row: no two rows share all of them. Grouping tens of millions of
    rows by several text columns is the slow part, so the rows are first grouped by a hash of the key,
    and only the rows whose hash repeats are grouped by the key itself. -#}
{% test unique_combination(model, combination_of_columns) %}
    {%- set key = combination_of_columns | join(', ') %}
    select
        {{ key }},
        count(*) as rows_with_this_key
    from {{ model }}
    where hash({{ key }}) in (
        select hash({{ key }}) from {{ model }} group by 1 having count(*) > 1
    )
    group by {{ key }}
    having count(*) > 1
{% endtest %}

{#- Every row satisfies a SQL expression; failing rows are returned. -#}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not coalesce(({{ expression }}), false)
{% endtest %}

{#- Every combination of `columns` (rows with none of them empty) exists in `to` (as `to_columns`,
    default the same names): `relationships` for compound keys. -#}
{% test relationships_combination(model, to, columns, to_columns=none) %}
    {%- set parent_columns = to_columns or columns -%}
    {#- an anti join: DuckDB runs a correlated `not exists` by first copying every child row -#}
    select child.*
    from {{ model }} as child
    anti join {{ to }} as parent
        on {% for column in columns -%}
        parent.{{ parent_columns[loop.index0] }} = child.{{ column }}
        {%- if not loop.last %} and {% endif %}
        {% endfor %}
    where
        {% for column in columns %}child.{{ column }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
{% endtest %}
