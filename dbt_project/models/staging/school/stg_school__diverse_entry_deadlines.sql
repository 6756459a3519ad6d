-- Grain: one row per school × academic year: the last day students may enter 多元表現 (R27).
{{ school_year_deadline('school_diverse_entry_deadlines', 'diverse_entry_deadline') }}
