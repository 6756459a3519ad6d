{#- Generic data tests the project needs without dbt_utils. -#}

{#- The columns together identify a row: no two rows share all of them. -#}
{% test unique_combination(model, combination_of_columns) %}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as rows_with_this_key
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
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
    select child.*
    from {{ model }} as child
    where
        {% for column in columns %}child.{{ column }} is not null and {% endfor %}
        not exists (
            select 1
            from {{ to }} as parent
            where
                {% for column in columns -%}
                parent.{{ parent_columns[loop.index0] }} = child.{{ column }}
                {%- if not loop.last %} and {% endif %}
                {% endfor %}
        )
{% endtest %}
