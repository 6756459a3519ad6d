{#
  在籍 (R22): whether the student was on the school's register for an item dated `item_at`, from the
  學生資料 row of the item's term (its status's is_on_register_for_term, xwalk_enrolment_statuses, and its
  學籍異動日期). A status that keeps the whole term (在學, 復學, 轉入, 重讀, 畢業) counts; one that ends it
  (休學, 轉出, 退學) counts only for items dated on or before the change, made while the student was still
  here. No row for the term: not on the register.
#}
{% macro is_on_register(counts_whole_term, status_changed_date, item_at) -%}
    coalesce({{ counts_whole_term }} or cast({{ item_at }} as date) <= {{ status_changed_date }}, false)
{%- endmacro %}
