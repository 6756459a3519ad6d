-- Grain: one row per school × academic year: the last day students may select (勾選) items.
{{ school_year_deadline('school_selection_deadlines', 'selection_deadline') }}
