"""The code lists ingestion validates against are read from the seeds dbt decodes with (one definition)."""

from pipelines.contract import FILES_BY_KIND, seed_codes


def test_contract_code_lists_are_the_seed_columns():
    absences = FILES_BY_KIND["absences"]
    assert absences.column("缺勤種類代碼").codes == tuple(f"{code:02d}" for code in range(1, 13))
    assert absences.column("假別").codes[0] == "公假" and absences.column("假別").codes[-1] == "曠課"
    assert FILES_BY_KIND["cadres"].column("幹部等級").codes == seed_codes("xwalk_cadre_levels", "cadre_level")
    assert FILES_BY_KIND["diverse_performances"].column("證照代碼").codes == seed_codes("xwalk_certificates", "certificate_code")


def test_every_code_list_seed_has_unique_codes_and_a_label():
    for seed, code, label in (
        ("xwalk_absence_types", "absence_type_code", "absence_type_name"),
        ("xwalk_competition_levels", "competition_level_code", "competition_level_name"),
        ("xwalk_team_participation", "team_participation_code", "team_participation_name"),
        ("xwalk_certificates", "certificate_code", "certificate_name"),
        ("xwalk_flexible_learning_types", "flexible_learning_type_code", "flexible_learning_type_name"),
        ("xwalk_group_activity_types", "group_activity_type_code", "group_activity_type_name"),
        ("xwalk_workplace_learning_types", "workplace_learning_type_code", "workplace_learning_type_name"),
    ):
        codes = seed_codes(seed, code)
        assert codes and len(set(codes)) == len(codes), seed
        assert all(seed_codes(seed, label)), seed
