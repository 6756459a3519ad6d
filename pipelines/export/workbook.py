"""Writing a 名冊 workbook exactly as exports.md lays it out, and reading one back.

- Sheet 1 `封面`: 學校代碼, 學年度, 學期 and their values; then the record sheets in the layout's order,
  header in row 1 (bold, frozen), data from row 2, columns in the contract's order.
- Text is written as text (inline strings in cells formatted `@`), so codes keep their leading zeros,
  a date stays `113/09/01` and a text starting with = + - @ is never a formula (pipelines/safe_cells.py;
  an inline string cannot be one, and the data stays exactly as the central database needs it); numbers as numbers (an integral float as an integer); a boolean as the text
  1 / 0; a missing value as an empty cell. Characters XML 1.0 forbids (control characters other than tab,
  line feed and carriage return) are dropped: no reader could parse them. Text containing something like
  `_x0041_` (OOXML's own escape) is split into runs so that every reader keeps it literally. A text over
  a cell's 32,767 characters is refused, naming the sheet, row and column.
- The file is written directly as OOXML (a zip of the parts Excel needs, no theme, no shared strings).
  Each sheet's XML is built column-wise with polars string expressions, never cell by cell in Python:
  nationally the export is ~300 million cells, and a per-cell Python writer (xlsxwriter, 4–10 µs a cell)
  was over half of the whole pipeline's time; this one takes 0.3–0.5 µs a cell, about half of it in zlib.
- The bytes depend only on the content (fixed zip timestamps and part order, fixed creation date, fixed
  compression level), so an export whose content did not change has the same sha256: that is how a
  re-export recognises a submission that needs no re-submission.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.export.layout import COVER_HEADERS, COVER_SHEET, Sheet, Workbook
from pipelines.safe_cells import MAX_CELL_CHARS, check_length

# zlib level. 20,000 rows × 15 columns: level 1 0.30 µs a cell, 2.06 MB; level 6 0.58 µs a cell, 1.38 MB
# (xlsxwriter: 4.0 µs, 1.30 MB with its shared strings). Speed wins: the files are small either way.
# Changing it changes every file's bytes, so every unchanged submission would be re-submitted once.
COMPRESS_LEVEL = 1
_ZIP_DATE = (2000, 1, 1, 0, 0, 0)  # the document's fixed creation date, also each part's zip timestamp
_CREATED = "2000-01-01T00:00:00Z"
_CHUNK_ROWS = 32_768  # rows turned into XML at a time: bounds memory on the biggest sheets
_ROW = "__xlsx_row__"  # the row-number column added while building a sheet (no model column is named so)

_TEXT_STYLE, _HEADER_STYLE = 1, 2  # cellXfs in _STYLES; numbers keep the default style 0
_TEXT_OPEN = f'" s="{_TEXT_STYLE}" t="inlineStr"><is><t>'
_TEXT_OPEN_PRESERVE = f'" s="{_TEXT_STYLE}" t="inlineStr"><is><t xml:space="preserve">'
_TEXT_CLOSE = "</t></is></c>"
_EXPONENT_FROM = 1e16  # xlsxwriter wrote numbers with %.16G: from 17 digits on, a float (readers agree)
# XML 1.0 Char excludes these; \t \n \r are allowed (\r is written as &#13; so parsers keep it)
_ILLEGAL_XML = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"
_NEEDS_ESCAPE = r'[&<>"\r\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]'
_EDGE_SPACE = r"^\s|\s$"  # Excel trims such text unless xml:space="preserve"
# Excel and calamine read `_x0041_` inside <t> as "A" (OOXML's escape), openpyxl leaves inline strings as
# they are. Splitting such text into runs after the `_` keeps the literal for every reader.
_OOXML_ESCAPE = r"_x[0-9A-Fa-f]{4}_"
_RUNS_OPEN = f'" s="{_TEXT_STYLE}" t="inlineStr"><is><r><t xml:space="preserve">'
_RUNS_SPLIT = (r"_(x[0-9A-Fa-f]{4})", '_</t></r><r><t xml:space="preserve">${1}')
_RUNS_CLOSE = "</t></r></is></c>"


def write_workbook(path: Path, workbook: Workbook, school: str, year: int, term: int,
                   rows: Sequence[dict[str, Any]] | pl.DataFrame) -> dict[str, int]:
    """Write one workbook from its export model's rows (a polars frame, or dicts as the tests build them);
    returns rows per written sheet (封面 not counted). A sheet that is not `always` is written only with rows."""
    if not isinstance(rows, pl.DataFrame):
        sheet_column = (workbook.sheet_column,) if workbook.sheet_column else ()
        # every sheet's columns: the sheets of one workbook may differ in their columns
        columns = (column for sheet in workbook.sheets for column in sheet.model_columns)
        rows = frame_from_dicts(rows, (*sheet_column, *columns))
    by_sheet = _split_by_sheet(rows, workbook)
    cover = frame_from_dicts([dict(zip(COVER_HEADERS, (school, year, term)))], COVER_HEADERS)
    written = [sheet for sheet in workbook.sheets if by_sheet[sheet.name].height or sheet.always]

    with zipfile.ZipFile(path, "w") as archive:
        for part, text in _package_parts([COVER_SHEET, *(sheet.name for sheet in written)]):
            _write_part(archive, part, [text.encode()])
        _write_part(archive, "xl/worksheets/sheet1.xml", _sheet_xml(COVER_HEADERS, cover, COVER_HEADERS, cover=True))
        for number, sheet in enumerate(written, start=2):
            frame = _with_columns(by_sheet[sheet.name], sheet.model_columns)
            _refuse_overlong(sheet.name, sheet.headers, frame, sheet.model_columns)
            _write_part(archive, f"xl/worksheets/sheet{number}.xml",
                        _sheet_xml(sheet.headers, frame, sheet.model_columns, cover=False))
    return {sheet.name: by_sheet[sheet.name].height for sheet in written}


def _refuse_overlong(sheet: str, headers: Sequence[str], frame: pl.DataFrame, columns: Sequence[str]) -> None:
    """The first text longer than a cell holds, as CellTooLong (a reader would cut it, silently)."""
    for header, name in zip(headers, columns):
        if frame.schema[name] != pl.String:
            continue
        too_long = frame.get_column(name).str.len_chars() > MAX_CELL_CHARS
        if too_long.any():
            index = too_long.arg_true()[0]
            check_length(frame.get_column(name)[index], sheet=sheet, row=index + 2, column=header)


def frame_from_dicts(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> pl.DataFrame:
    """`columns` of row dicts as a frame, each typed as the per-value writer treated it: str → text,
    bool → 1/0, int and float → numbers, anything else (dates, decimals) → its str(); a missing key → empty."""
    data: dict[str, pl.Series] = {}
    for name in dict.fromkeys(columns):
        values = [row.get(name) for row in rows]
        kinds = {_kind(value) for value in values if value is not None}
        if kinds <= {"text"}:
            series = pl.Series(name, values, dtype=pl.String)
        elif kinds == {"other"} or kinds == {"text", "other"}:
            series = pl.Series(name, [None if value is None else str(value) for value in values], dtype=pl.String)
        elif kinds == {"bool"}:
            series = pl.Series(name, values, dtype=pl.Boolean)
        elif kinds == {"int"} and all(-(2**63) <= value < 2**63 for value in values if value is not None):
            series = pl.Series(name, values, dtype=pl.Int64)
        elif kinds <= {"int", "float"}:
            series = pl.Series(name, [None if value is None else float(value) for value in values], dtype=pl.Float64)
        else:
            raise TypeError(f"column {name} mixes numbers or booleans with text: {sorted(kinds)}")
        data[name] = series
    return pl.DataFrame(data, height=len(rows))


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "text" if isinstance(value, str) else "other"


def _split_by_sheet(frame: pl.DataFrame, workbook: Workbook) -> dict[str, pl.DataFrame]:
    """Each layout sheet's rows in model order; rows naming a sheet the layout does not have are an error."""
    if not workbook.sheet_column:
        return {workbook.sheets[0].name: frame}
    known = [sheet.name for sheet in workbook.sheets]
    if frame.height == 0:
        return {name: frame for name in known}
    names = frame.get_column(workbook.sheet_column)
    unknown = set(names.unique().to_list()) - set(known)
    if unknown:
        raise ValueError(f"{workbook.model}: rows for sheets not in the layout: {sorted(unknown, key=str)}")
    return {name: frame.filter(names == name) for name in known}


def _with_columns(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """Just the sheet's columns, in order; a column the rows lack is empty (as row.get gave None)."""
    return frame.select(pl.col(name) if name in frame.columns else pl.lit(None, pl.String).alias(name)
                        for name in dict.fromkeys(columns))


def _write_part(archive: zipfile.ZipFile, name: str, chunks: Iterator[bytes] | Sequence[bytes]) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    # ZipFile.open(ZipInfo, "w") takes no level: it reads the ZipInfo's (public from Python 3.13)
    if hasattr(info, "compress_level"):
        info.compress_level = COMPRESS_LEVEL
    else:
        info._compresslevel = COMPRESS_LEVEL
    info.create_system = 0  # the same bytes whatever OS writes the file
    info.external_attr = 0
    with archive.open(info, "w") as handle:
        for chunk in chunks:
            handle.write(chunk)


# ---------------------------------------------------------------- sheets

def _sheet_xml(headers: Sequence[str], frame: pl.DataFrame, columns: Sequence[str], *, cover: bool) -> Iterator[bytes]:
    """One worksheet part, in pieces: the head, the header row, the data rows a chunk at a time, the tail."""
    letters = [_column_letter(index) for index in range(len(columns))]
    rows = frame.with_row_index(_ROW, offset=2)
    filled = pl.any_horizontal(pl.col(name).is_not_null() for name in columns)
    if frame.height and not frame.select(filled.all()).item():
        rows = rows.filter(filled)  # a row without any value is not written (xlsxwriter wrote no cell either)
    last_row = rows.get_column(_ROW)[-1] if rows.height else 1
    if cover:
        views = '<sheetView tabSelected="1" workbookViewId="0"/>'
        cols = ""
    else:
        views = ('<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
                 'state="frozen"/><selection pane="bottomLeft"/></sheetView>')
        cols = _cols_xml([max(10, 2 * len(title) + 2) for title in headers])
    yield (f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><dimension ref="A1:{letters[-1]}{last_row}"/>'
           f'<sheetViews>{views}</sheetViews><sheetFormatPr defaultRowHeight="15"/>{cols}<sheetData><row r="1">'
           + "".join(f'<c r="{letter}1" s="{_HEADER_STYLE}" t="inlineStr"><is><t{_space(title)}>{_escape(title)}</t></is></c>'
                     for letter, title in zip(letters, headers))
           + "</row>").encode()
    if rows.height:
        rows = rows.with_columns(pl.col(_ROW).cast(pl.String))
        row_number = pl.col(_ROW)
        cells = [pl.concat_str([pl.lit(f'<c r="{letter}'), row_number, tail])
                 for letter, tail in zip(letters, _cell_tails(rows, columns)) if tail is not None]
        row_xml = pl.concat_str([pl.lit('<row r="'), row_number, pl.lit('">'), *cells, pl.lit("</row>")],
                                ignore_nulls=True)
        for chunk in rows.iter_slices(_CHUNK_ROWS):
            # the CSV writer with no quoting and no line ends is the fastest way from a string column to bytes
            buffer = io.BytesIO()
            chunk.select(row_xml).write_csv(buffer, include_header=False, quote_style="never", line_terminator="")
            yield buffer.getvalue()
    yield b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'


def _cell_tails(frame: pl.DataFrame, columns: Sequence[str]) -> list[pl.Expr | None]:
    """Per column, an expression giving each cell's XML after `<c r="B7` (null: no cell), by dtype;
    None for a column with no values at all."""
    # per text column: does any cell need escaping, xml:space or runs? Most (codes, dates, IDs) need none
    text_columns = [name for name in columns if frame.schema[name] == pl.String]
    # one scan of each column for any of the three; the few columns with a hit are scanned for each
    special = frame.select(
        pl.col(name).str.contains(f"{_NEEDS_ESCAPE}|{_EDGE_SPACE}|{_OOXML_ESCAPE}").any() for name in text_columns
    ).row(0, named=True) if text_columns else {}
    flagged = [name for name in text_columns if special[name]]
    checks = dict.fromkeys((f"{check}:{name}" for check in ("escape", "space", "runs") for name in text_columns), False)
    checks |= frame.select(
        *(pl.col(name).str.contains(_NEEDS_ESCAPE).any().alias(f"escape:{name}") for name in flagged),
        *(pl.col(name).str.contains(_EDGE_SPACE).any().alias(f"space:{name}") for name in flagged),
        *(pl.col(name).str.contains(_OOXML_ESCAPE).any().alias(f"runs:{name}") for name in flagged),
    ).row(0, named=True) if flagged else {}
    tails: list[pl.Expr | None] = []
    for name in columns:
        dtype = frame.schema[name]
        column = pl.col(name)
        if dtype == pl.Null:
            tails.append(None)
        elif dtype == pl.Boolean:
            tails.append(pl.when(column.is_null()).then(pl.lit(None, pl.String))
                         .when(column).then(pl.lit(f"{_TEXT_OPEN}1{_TEXT_CLOSE}"))
                         .otherwise(pl.lit(f"{_TEXT_OPEN}0{_TEXT_CLOSE}")))
        elif dtype.is_integer():
            tails.append(_number(frame, name, integral=None))
        elif dtype.is_float():
            tails.append(_number(frame, name, integral=column == column.floor()))
        else:
            text = column if dtype == pl.String else column.cast(pl.String)
            escape = checks.get(f"escape:{name}", True)
            space = checks.get(f"space:{name}", True)
            runs = checks.get(f"runs:{name}", True) or escape  # dropping a character may make one
            if escape:
                text = text.str.replace_all(_ILLEGAL_XML, "")
            opening = (pl.when(text.str.contains(_EDGE_SPACE)).then(pl.lit(_TEXT_OPEN_PRESERVE))
                       .otherwise(pl.lit(_TEXT_OPEN))) if space else pl.lit(_TEXT_OPEN)
            if escape:
                for character, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("\r", "&#13;")):
                    text = text.str.replace_all(character, entity, literal=True)
            tail = pl.concat_str([opening, text, pl.lit(_TEXT_CLOSE)])
            if runs:
                split = pl.concat_str([pl.lit(_RUNS_OPEN), text.str.replace_all(*_RUNS_SPLIT), pl.lit(_RUNS_CLOSE)])
                tail = pl.when(text.str.contains(_OOXML_ESCAPE)).then(split).otherwise(tail)
            tails.append(tail)
    return tails


def _number(frame: pl.DataFrame, name: str, *, integral: pl.Expr | None) -> pl.Expr:
    """`"><v>…</v></c>`: integers (and integral floats) in digits below 10^16, other values as the
    shortest text that reads back as the same double (e.g. 88.5, 1e+16)."""
    column = pl.col(name)
    if frame.schema[name].is_float():
        bad = frame.select((column.is_nan() | column.is_infinite()).any()).item()
        if bad:
            raise ValueError(f"{name}: NaN or infinity cannot be written to a workbook")
    small = column.abs() < _EXPONENT_FROM
    as_digits = small if integral is None else small & integral
    digits = pl.when(as_digits).then(column.cast(pl.Int64, strict=False).cast(pl.String)) \
        .otherwise(column.cast(pl.Float64).cast(pl.String))
    return pl.concat_str([pl.lit('"><v>'), digits, pl.lit("</v></c>")])


def _cols_xml(widths: Sequence[int]) -> str:
    """Column widths as xlsxwriter's set_column stored them (pixels = 7 × width + 5), adjacent equal ones merged."""
    spans: list[list[int]] = []
    for index, width in enumerate(widths, start=1):
        if spans and spans[-1][2] == width and spans[-1][1] == index - 1:
            spans[-1][1] = index
        else:
            spans.append([index, index, width])
    return "<cols>" + "".join(
        f'<col min="{first}" max="{last}" width="{(int(width * 7 + 0.5) + 5) * 256 // 7 / 256:.16g}" customWidth="1"/>'
        for first, last, width in spans) + "</cols>"


def _column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _escape(text: str) -> str:
    """The same escaping as the sheet expressions, for the few strings written from Python."""
    text = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("\r", "&#13;"))


def _space(text: str) -> str:
    return ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""


# ---------------------------------------------------------------- the package around the sheets

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (
    f'{_XML_HEAD}<styleSheet xmlns="{_MAIN_NS}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
    "</styleSheet>"
)


def _package_parts(sheet_names: Sequence[str]) -> list[tuple[str, str]]:
    """Every part but the worksheets, in the order they are zipped."""
    count = len(sheet_names)
    worksheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    content_types = (
        f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="{worksheet_type}"/>'
                  for number in range(1, count + 1))
        + "</Types>")
    package_rels = (
        f'{_XML_HEAD}<Relationships xmlns="{_PACKAGE_REL_NS}">'
        f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
        'Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL_NS}/extended-properties" Target="docProps/app.xml"/></Relationships>')
    core = (
        f'{_XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'<dc:creator></dc:creator><cp:lastModifiedBy></cp:lastModifiedBy>'
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{_CREATED}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_CREATED}</dcterms:modified></cp:coreProperties>')
    app = (
        f'{_XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        '<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>'
        '<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>'
        f'<vt:variant><vt:i4>{count}</vt:i4></vt:variant></vt:vector></HeadingPairs>'
        f'<TitlesOfParts><vt:vector size="{count}" baseType="lpstr">'
        + "".join(f"<vt:lpstr>{_escape(name)}</vt:lpstr>" for name in sheet_names)
        + "</vt:vector></TitlesOfParts><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
        "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion></Properties>")
    book = (
        f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><bookViews>'
        '<workbookView xWindow="240" yWindow="15" windowWidth="16095" windowHeight="9660"/></bookViews><sheets>'
        + "".join(f'<sheet name="{_escape(name)}" sheetId="{number}" r:id="rId{number}"/>'
                  for number, name in enumerate(sheet_names, start=1))
        + "</sheets></workbook>")
    book_rels = (
        f'{_XML_HEAD}<Relationships xmlns="{_PACKAGE_REL_NS}">'
        + "".join(f'<Relationship Id="rId{number}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{number}.xml"/>'
                  for number in range(1, count + 1))
        + f'<Relationship Id="rId{count + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/></Relationships>')
    return [("[Content_Types].xml", content_types), ("_rels/.rels", package_rels), ("docProps/app.xml", app),
            ("docProps/core.xml", core), ("xl/workbook.xml", book), ("xl/_rels/workbook.xml.rels", book_rels),
            ("xl/styles.xml", _STYLES)]


# ---------------------------------------------------------------- reading back

def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class SheetRow:
    workbook: str
    sheet: str
    row: int  # sheet row number (header = 1)
    values: dict[str, Any]  # by header

    @property
    def national_id(self) -> str | None:
        value = self.values.get("身分證號")
        return None if value is None else str(value)


class WorkbookMismatch(Exception):
    """A workbook does not have the layout's sheets or headers (a file changed by hand, or not ours)."""


def read_rows(path: Path, workbook: Workbook) -> Iterator[SheetRow]:
    """Every data row of a written workbook, by header, checking sheets and headers against the layout."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        names = book.sheetnames
        if not names or names[0] != COVER_SHEET:
            raise WorkbookMismatch(f"{path.name}：第一個工作表應為「{COVER_SHEET}」，實為「{names[0] if names else '無'}」")
        for name in names[1:]:
            try:
                sheet: Sheet = workbook.sheet(name)
            except StopIteration:
                raise WorkbookMismatch(f"{path.name}：工作表「{name}」不在 {workbook.name} 的格式中") from None
            rows = book[name].iter_rows(values_only=True)
            headers = tuple(next(rows, ()) or ())
            if headers[: len(sheet.headers)] != sheet.headers:
                raise WorkbookMismatch(f"{path.name}／{name}：標題列與格式不符")
            for number, values in enumerate(rows, start=2):
                if values is None or all(value is None for value in values):
                    continue
                yield SheetRow(workbook.name, name, number, dict(zip(sheet.headers, values)))
    finally:
        book.close()
