{#- School-scoped builds: `portfolio build --school X` re-checks one school in seconds.

    The build runs `dbt run` of the incremental models only, with the schools in PORTFOLIO_SCOPED_SCHOOLS
    (comma-separated; pipelines/dbt/assets.py). Each model first deletes the rows of the schools in scope
    (`delete_scoped_rows`, a pre-hook set in dbt_project.yml), then appends those schools' rows again,
    computed from upstream rows of those schools only (`scoped_ref`; the staging tables read the raw
    tables through `scoped_source`). An incremental run without the
    variable has every school in scope. A full build runs with --full-refresh: no model is incremental
    then, and each table is recreated over every school as a plain table model would be. Models that
    compare schools with each other (tag `national`) are plain tables and wait for the next full build.

    The scope is read only when the SQL is rendered for running (`execute`), never while parsing: a dbt
    var or an env_var seen at parse time would make dbt re-parse the whole project on every build, which
    is seconds of the few a one-school build has. The schools are written into the SQL as literals
    because DuckDB pushes a constant filter on school_code through views, windows partitioned by
    school_code and aggregates grouped by it down to the table scan, which it does not do for a subquery. -#}

{#- True while running an incremental model (never while parsing, nor in a unit test, which has no `this`). -#}
{% macro is_scoped_run() -%}
    {{ return(execute and this is not none and is_incremental()) }}
{%- endmacro %}

{#- The schools in scope: a list, or none for every school. -#}
{% macro scoped_schools() -%}
    {%- set schools = [] -%}
    {%- if execute -%}
        {%- for school in env_var('PORTFOLIO_SCOPED_SCHOOLS', '').split(',') -%}
            {%- if school | trim -%}{%- do schools.append(school | trim) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(schools if schools else none) }}
{%- endmacro %}

{#- SQL predicate: the row's school is being rebuilt (`true` outside incremental runs or without a scope). -#}
{% macro school_filter(column='school_code') -%}
    {%- set schools = scoped_schools() if is_scoped_run() else none -%}
    {%- if schools -%}
        {{ column }} in ({% for school in schools %}'{{ school | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor %})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- A relation narrowed to the schools in scope (unchanged outside a scoped run). -#}
{% macro scoped_relation(relation) -%}
    {%- if is_scoped_run() and scoped_schools() -%}
        (select * from {{ relation }} where {{ school_filter() }})
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- `ref` narrowed to the schools in scope. Every per-school model reads its upstream models through it. -#}
{% macro scoped_ref(model_name) -%}
    {{ scoped_relation(ref(model_name)) }}
{%- endmacro %}

{#- `source` narrowed to the schools in scope: how the per-school staging tables read the raw tables. -#}
{% macro scoped_source(source_name, table_name) -%}
    {{ scoped_relation(source(source_name, table_name)) }}
{%- endmacro %}

{#- Pre-hook of the incremental models: drop the rows about to be rebuilt. -#}
{% macro delete_scoped_rows() -%}
    {%- if is_scoped_run() -%}
        delete from {{ this }} where {{ school_filter() }}
    {%- endif -%}
{%- endmacro %}
