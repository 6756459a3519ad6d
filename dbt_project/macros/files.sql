{#- The extension of a file name, lower case, without the dot; null when the name has none.
    File types are judged by extension (rules R04, R10). -#}
{% macro file_extension(file_name) -%}
    lower(nullif(regexp_extract({{ file_name }}, '\.([^./\\]+)$', 1), ''))
{%- endmacro %}

{#- True when an item (`items`: the relation of its rows) has a document or a video (rule R03). -#}
{% macro has_file(items) -%}
    ({{ items }}.document_file_name is not null or {{ items }}.video_file_name is not null)
{%- endmacro %}
