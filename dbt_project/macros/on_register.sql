{#
  在籍 (R22) for an item dated `item_at`, read from the 學生資料 row `student_term` (an alias of
  fct_student_terms) the item is judged by: the row is listed on its term's register (is_on_register) and
  the item is dated on or before the row's on_register_until (null = through the term). Both columns are
  computed once, in int_student_terms_classified. No row: not on the register.
#}
{% macro is_on_register_at(student_term, item_at) -%}
    coalesce(
        {{ student_term }}.is_on_register
        and ({{ student_term }}.on_register_until is null
             or cast({{ item_at }} as date) <= {{ student_term }}.on_register_until),
        false
    )
{%- endmacro %}
