"""Where deliveries sit under the source root (inputs.md, "Layout"), and everything else found there.

Only ``<6-character code>/{admin,platform}/<label>.csv|.xlsx`` and ``<code>/policy.yaml`` are read
(``<code>/receipts/`` belongs to the exports). Everything else is *accounted for*, never skipped in
silence: ``unrecognised`` lists each file and folder the contract does not know, with why, so the build
records and shows it by name. A symbolic link that leads out of the source root is never followed.

A school folder's name is its code exactly: ``abc123`` or a full-width ``０１３３０１`` is not folded to a
code (two folders could then claim one school, and the exports name files by the code), it is
reported with the name it should have.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pipelines.contract import FILES, SCHOOL_CODE_PATTERN

DELIVERED_SUFFIXES = (".csv", ".xlsx")
POLICY_FILE = "policy.yaml"
RECEIPTS_FOLDER = "receipts"  # the ministry's 收訖明細, read by pipelines/export/reconcile.py
_LABELS = {folder: {spec.label for spec in FILES if spec.folder == folder} for folder in ("admin", "platform")}


def is_school_code(name: str) -> bool:
    return re.fullmatch(SCHOOL_CODE_PATTERN, name) is not None


def inside(path: Path, root: Path) -> bool:
    """Whether ``path``, links followed, is within ``root`` (links followed too)."""
    return path.resolve().is_relative_to(root.resolve())


def discover_schools(source_root: Path) -> list[str]:
    """The school folders under the source root (6-character codes), sorted; see ``unrecognised`` for the rest."""
    if not source_root.is_dir():
        return []
    return sorted(path.name for path in source_root.iterdir()
                  if path.is_dir() and is_school_code(path.name) and inside(path, source_root))


def delivered_files(folder: Path, label: str) -> list[Path]:
    """``<label>.csv`` and/or ``<label>.xlsx`` in a school's folder (suffix case ignored), CSV first.

    ``folder`` is ``<root>/<school>/<admin|platform>``; a link out of the root is not a delivery.
    """
    if not folder.is_dir():
        return []
    root = folder.parent.parent
    found = [path for path in folder.iterdir()
             if path.is_file() and path.stem == label and path.suffix.lower() in DELIVERED_SUFFIXES and inside(path, root)]
    return sorted(found, key=lambda path: DELIVERED_SUFFIXES.index(path.suffix.lower()))


@dataclass(frozen=True)
class Unrecognised:
    school_code: str  # the school folder it is in; for something at the root, its own name
    source_file: str  # relative to the source root; a folder ends with /
    status: str  # unknown (stored and listed, not read) | refused (a link out of the source root)
    message: str


def unrecognised(source_root: Path, schools: list[str] | None = None) -> list[Unrecognised]:
    """Every file and folder the contract does not know: at the root (unless ``schools`` is given) and in
    the school folders (every one, or ``schools``), sorted by path."""
    if not source_root.is_dir():
        return []
    found: list[Unrecognised] = []
    if schools is None:
        for path in sorted(source_root.iterdir()):
            if path.is_dir() and is_school_code(path.name) and inside(path, source_root):
                continue
            found.append(_at_root(path, source_root))
    for school in schools if schools is not None else discover_schools(source_root):
        folder = source_root / school
        if folder.is_dir() and inside(folder, source_root):
            found.extend(_in_school(folder, source_root, school))
    return found


def _at_root(path: Path, root: Path) -> Unrecognised:
    name = path.name
    if not inside(path, root):
        return _refused(name, path, root)
    if not path.is_dir():
        return Unrecognised(name, name, "unknown", f"{name}：來源根目錄下的檔案不屬於任何學校，未讀取；請放進學校代碼資料夾。")
    folded = unicodedata.normalize("NFKC", name).strip().upper()
    if is_school_code(folded):
        why = f"資料夾名稱「{name}」不是學校代碼的寫法（應為 6 碼半形大寫英數字），未讀取；若是學校 {folded}，請更名為「{folded}」。"
    else:
        why = f"資料夾「{name}」不是學校代碼（6 碼英數字），未讀取。"
    return Unrecognised(name, f"{name}/", "unknown", why)


def _in_school(folder: Path, root: Path, school: str) -> list[Unrecognised]:
    found = []
    for path in sorted(folder.iterdir()):
        relative = f"{school}/{path.name}"
        if not inside(path, root):
            found.append(_refused(school, path, root))
        elif path.name in _LABELS and path.is_dir():
            found.extend(_in_delivery_folder(path, root, school))
        elif path.name == RECEIPTS_FOLDER and path.is_dir() or path.name == POLICY_FILE and path.is_file():
            continue
        else:
            shown = relative + ("/" if path.is_dir() else "")
            found.append(Unrecognised(school, shown, "unknown",
                                      f"{shown}：不是合約中的檔案或資料夾（只讀 admin/、platform/、policy.yaml），未讀取。"))
    return found


def _in_delivery_folder(folder: Path, root: Path, school: str) -> list[Unrecognised]:
    found = []
    for path in sorted(folder.iterdir()):
        relative = f"{school}/{folder.name}/{path.name}"
        if not inside(path, root):
            found.append(_refused(school, path, root))
        elif path.is_dir():
            found.append(Unrecognised(school, relative + "/", "unknown", f"{relative}/：子資料夾不會讀取。"))
        elif not (path.stem in _LABELS[folder.name] and path.suffix.lower() in DELIVERED_SUFFIXES):
            found.append(Unrecognised(school, relative, "unknown", f"{relative}：{_why_not_read(path, folder.name)}"))
    return found


def _why_not_read(path: Path, folder: str) -> str:
    other = "platform" if folder == "admin" else "admin"
    suffix = path.suffix.lower()
    if path.stem in _LABELS[other] and suffix in DELIVERED_SUFFIXES:
        return f"「{path.stem}」應放在 {other}/ 資料夾，未讀取。"
    if path.stem in _LABELS[folder]:
        return f"只收 .csv 或 .xlsx 檔，「{path.suffix}」未讀取。"
    near = [label for label in _LABELS[folder] if label in path.stem]
    if near:
        return f"檔名不是合約的「{near[0]}.csv」或「{near[0]}.xlsx」，未讀取；若這是要交付的版本，請改名並移除舊檔。"
    return f"不是 {folder}/ 的合約檔案（{'、'.join(sorted(_LABELS[folder]))}），未讀取。"


def _refused(school: str, path: Path, root: Path) -> Unrecognised:
    relative = path.relative_to(root).as_posix()
    return Unrecognised(school, relative, "refused",
                        f"{relative}：連結指向來源資料夾以外的位置，拒絕讀取。")
