"""The exchange package format: what is written is read back; a changed or foreign zip is refused."""

from __future__ import annotations

import json
import zipfile

import pytest

from pipelines.exchange.package import Package, PackageError, read_package, write_package

ID = "B223456782"


def _package(**sections) -> Package:
    return Package(sending_school="990001", student_number="A02", national_id=ID, birth_date="2008-05-01",
                   sections={"student": [{"academic_year": 113, "term": 1}], **sections})


def test_a_written_package_reads_back_with_its_key_and_sections(tmp_path):
    package = _package(course_outcomes=[{"outcome_id": "CO-A9", "title": "閱讀心得"}])
    read = read_package(write_package(package, tmp_path / "p.zip"))
    assert (read.national_id, read.birth_date, read.sending_school) == (ID, "2008-05-01", "990001")
    assert read.sections["course_outcomes"] == [{"outcome_id": "CO-A9", "title": "閱讀心得"}]
    assert read.sections["cadres"] == [] and read.package_id == package.package_id
    assert read.created_at.endswith("+08:00")  # Asia/Taipei


def _rewrite(path, name, data):
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    members[name] = data
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)


def test_a_section_changed_after_export_is_refused_by_its_checksum(tmp_path):
    path = write_package(_package(), tmp_path / "p.zip")
    _rewrite(path, "cadres.json", json.dumps([{"position": "班長"}]).encode())
    with pytest.raises(PackageError, match="cadres.json 檢查碼不符"):
        read_package(path)


def test_a_zip_that_is_not_an_exchange_package_is_refused(tmp_path):
    path = write_package(_package(), tmp_path / "p.zip")
    _rewrite(path, "manifest.json", json.dumps({"format": "other"}).encode())
    with pytest.raises(PackageError, match="格式不符"):
        read_package(path)
    (tmp_path / "q.zip").write_text("not a zip")
    with pytest.raises(PackageError, match="不是 zip"):
        read_package(tmp_path / "q.zip")


def test_a_manifest_with_a_bad_student_key_is_refused_without_showing_it(tmp_path):
    path = write_package(_package(), tmp_path / "p.zip")
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    manifest["student_key"]["national_id"] = "B223456780"  # checksum wrong
    _rewrite(path, "manifest.json", json.dumps(manifest).encode())
    with pytest.raises(PackageError, match="學生鍵") as refused:
        read_package(path)
    assert "B223456780" not in str(refused.value)
