"""The roster file (花名册): its sheets and columns, reading XLSX and CSV, writing XLSX.

An XLSX workbook has up to four sheets named 责任区 / 督学 / 学校 / 挂牌, each with a
header row of the Chinese column names below (any order) and one entry per row; a
sheet named 说明 (instructions) is ignored, and so are columns 序号 and 备注. A CSV file
is one table: a leading 类型 column (责任区/督学/学校/挂牌) and the union of the columns,
each row filling those of its kind. See docs/roster-import.md.

Reading never raises on bad content: it returns rows plus :class:`RowError` s.

Longer than most modules (~430 lines) on purpose: the column table, both readers and the
writer are one format, and a change to a column must be made in all of them at once.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

ZONE, INSPECTOR, SCHOOL, LISTING = "责任区", "督学", "学校", "挂牌"
KINDS: tuple[str, ...] = (ZONE, INSPECTOR, SCHOOL, LISTING)
KIND_COLUMN = "类型"
IGNORED_SHEETS = frozenset({"说明"})
IGNORED_COLUMNS = frozenset({"序号", "备注"})


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    note: str


COLUMNS: dict[str, tuple[Column, ...]] = {
    ZONE: (
        Column("责任区编号", True, "责任区的编号，字母、数字、-、_，2–40 位，如 yx-z1"),
        Column("责任区名称", True, "如 第一责任区"),
        Column("组长督学编号", False, "组长(督学编号)，须是本表或平台中本县(区)/本市的督学"),
        Column("联系局领导", False, "联系本责任区的局领导姓名"),
    ),
    INSPECTOR: (
        Column("督学编号", True, "督学的登录账号 (令牌 sub)，字母、数字、-、_"),
        Column("姓名", True, ""),
        Column("专兼职", True, "专职 或 兼职"),
        Column("电话", True, "公示牌上展示的联系电话"),
        Column("邮箱", False, ""),
        Column("职称", False, "职务或职称"),
        Column("督学职责", False, "公示牌上展示的职责(挂牌职责为空时)"),
    ),
    SCHOOL: (
        Column("学校编号", True, "学校标识码或本县(区)自编码"),
        Column("学校名称", True, ""),
        Column("学校类型", True, "幼儿园/小学/初中/高中/九年一贯制/职业学校"),
        Column("责任区编号", True, "本表或平台中本县(区)的责任区"),
        Column("地址", True, ""),
        Column("校长", False, "校长姓名"),
        Column(
            "经度",
            False,
            "学校位置的经度，WGS-84 (GPS/北斗原始坐标，不是高德、腾讯地图的 GCJ-02，"
            "也不是百度的 BD-09)，十进制度，如 104.7320；与纬度同填或同空",
        ),
        Column("纬度", False, "学校位置的纬度，WGS-84，十进制度，如 31.4676；与经度同填或同空"),
    ),
    LISTING: (
        Column("督学编号", True, "本表或平台中的督学"),
        Column("学校编号", True, "本表或平台中本县(区)的学校"),
        Column("挂牌日期", True, "YYYY-MM-DD，或 Excel 日期"),
        Column("挂牌职责", False, "在该校的具体职责"),
    ),
}


@dataclass(frozen=True)
class RowError:
    """One problem: where (sheet, row number as the user sees it, column) and what."""

    sheet: str
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass(frozen=True)
class Row:
    """A data row: its kind, its row number in the file, and its non-empty cells."""

    kind: str
    number: int
    values: Mapping[str, str]

    def get(self, column: str) -> str | None:
        return self.values.get(column) or None


@dataclass
class ReadResult:
    rows: list[Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


class UnknownFormat(ValueError):
    """Neither an XLSX workbook nor a CSV text table (HTTP 415)."""


class TooLarge(Exception):
    """The roster is too big to read (HTTP 413): a workbook that unpacks past
    :data:`MAX_UNPACKED_BYTES`, or more rows than the import takes."""


MAX_UNPACKED_BYTES = 64 * 1024 * 1024
"""What the parts of an XLSX workbook may add up to once unzipped. A 5 MiB upload of
deflated repeats unpacks to gigabytes (a decompression bomb: 56 KiB gave a 50 MiB cell
and ~70 MiB more memory); a real county roster of 3 000 rows unpacks to a few MiB. The
sizes are the zip directory's own: :mod:`zipfile` never reads past a part's declared
size, so a part that lies about it is cut short and fails to parse."""


def cell_text(value: object) -> str:
    """A cell as text: integral numbers without ``.0``, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_header(kind: str, header: Sequence[str], sheet: str) -> list[RowError]:
    known = {c.name for c in COLUMNS[kind]} | IGNORED_COLUMNS
    errors = [
        RowError(sheet, 1, name, f"未知的列“{name}” (unknown column)")
        for name in header
        if name and name not in known and name != KIND_COLUMN
    ]
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            errors.append(RowError(sheet, 1, name, f"列“{name}”重复 (duplicate column)"))
        seen.add(name)
    errors += [
        RowError(sheet, 1, c.name, f"缺少必填列“{c.name}” (missing column)")
        for c in COLUMNS[kind]
        if c.required and c.name not in header
    ]
    return errors


def _row(kind: str, number: int, header: Sequence[str], cells: Sequence[object]) -> Row | None:
    columns = {c.name for c in COLUMNS[kind]}
    values = {
        name: cell_text(cells[i]) if i < len(cells) else ""
        for i, name in enumerate(header)
        if name in columns
    }
    if not any(cell_text(c) for c in cells):
        return None
    return Row(kind, number, {k: v for k, v in values.items() if v})


def read_xlsx(data: bytes) -> ReadResult:
    result = ReadResult()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as parts:
            unpacked = sum(info.file_size for info in parts.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise TooLarge(
                f"工作簿解压后达 {unpacked} 字节，超过上限 {MAX_UNPACKED_BYTES} 字节 "
                f"(the workbook unpacks to {unpacked} bytes, more than {MAX_UNPACKED_BYTES})"
            )
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnknownFormat(f"无法读取 XLSX 文件 (unreadable workbook: {exc})") from None
    try:
        for sheet in book.worksheets:
            name = sheet.title.strip()
            if name in IGNORED_SHEETS:
                continue
            if name not in COLUMNS:
                result.errors.append(
                    RowError(
                        name,
                        1,
                        "",
                        f"未知的工作表“{name}”，应为 责任区/督学/学校/挂牌 (unknown sheet)",
                    )
                )
                continue
            rows = sheet.iter_rows(values_only=True)
            first = next(rows, None)
            if first is None:
                continue
            header = [cell_text(c) for c in first]
            result.errors += _check_header(name, header, name)
            for number, cells in enumerate(rows, start=2):
                row = _row(name, number, header, cells)
                if row is not None:
                    result.rows.append(row)
    finally:
        book.close()
    return result


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (what Excel saves in China)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise UnknownFormat("无法识别文件编码 (not UTF-8 or GB18030 text)") from None


def read_csv(data: bytes) -> ReadResult:
    result = ReadResult()
    reader = csv.reader(io.StringIO(decode_text(data), newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error):
        raise UnknownFormat("CSV 文件为空 (empty CSV)") from None
    if KIND_COLUMN not in header:
        result.errors.append(RowError("CSV", 1, KIND_COLUMN, "缺少“类型”列 (missing kind column)"))
        return result
    union = {c.name for cols in COLUMNS.values() for c in cols} | IGNORED_COLUMNS | {KIND_COLUMN}
    for name in header:
        if name and name not in union:
            result.errors.append(RowError("CSV", 1, name, f"未知的列“{name}” (unknown column)"))
    kinds_seen: set[str] = set()
    kind_at = header.index(KIND_COLUMN)
    try:
        for cells in reader:
            number = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            kind = cells[kind_at].strip() if kind_at < len(cells) else ""
            if kind not in COLUMNS:
                result.errors.append(
                    RowError(
                        "CSV",
                        number,
                        KIND_COLUMN,
                        f"未知的类型“{kind}”，应为 责任区/督学/学校/挂牌 (unknown kind)",
                    )
                )
                continue
            if kind not in kinds_seen:
                kinds_seen.add(kind)
                result.errors += [
                    e for e in _check_header(kind, header, kind) if "missing" in e.message
                ]
            row = _row(kind, number, header, cells)
            if row is not None:
                result.rows.append(row)
    except csv.Error as exc:
        result.errors.append(RowError("CSV", reader.line_num, "", f"CSV 格式错误 ({exc})"))
    return result


XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def read_roster(data: bytes, file_name: str) -> ReadResult:
    """Read an XLSX or CSV roster; raises :class:`UnknownFormat` for anything else."""
    if data.startswith(XLSX_MAGIC):
        return read_xlsx(data)
    if data.startswith(OLE_MAGIC):
        raise UnknownFormat("不支持旧版 .xls 文件，请另存为 .xlsx 或 CSV (legacy .xls)")
    if file_name.lower().endswith((".csv", ".txt")) or b"\x00" not in data[:1024]:
        return read_csv(data)
    raise UnknownFormat("只接受 .xlsx 或 .csv 文件 (only XLSX or CSV)")


def write_xlsx(sheets: Mapping[str, Iterable[Mapping[str, object]]], notes: bool = False) -> bytes:
    """A roster workbook: one sheet per kind with the header row, then ``sheets``' rows."""
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    if notes:
        about = book.create_sheet("说明")
        about.append(["工作表", "列", "必填", "说明"])
        for kind, columns in COLUMNS.items():
            for c in columns:
                about.append([kind, c.name, "是" if c.required else "否", c.note])
    for kind, columns in COLUMNS.items():
        sheet = book.create_sheet(kind)
        sheet.append([c.name for c in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in sheets.get(kind, ()):
            sheet.append([values.get(c.name) for c in columns])
    book.properties.created = FIXED_TIME
    out = io.BytesIO()
    book.save(out)
    return _deterministic(out.getvalue())


FIXED_TIME = datetime(2024, 1, 1)
_MODIFIED = re.compile(rb"<dcterms:modified([^>]*)>[^<]*</dcterms:modified>")


def _deterministic(xlsx: bytes) -> bytes:
    """The same rows give the same bytes (so the same import id): fixed zip entry times
    and a fixed modification time in the document properties."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(
                    rb"<dcterms:modified\1>2024-01-01T00:00:00Z</dcterms:modified>", data
                )
            target.writestr(
                zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED
            )
    return out.getvalue()


def write_csv(sheets: Mapping[str, Iterable[Mapping[str, object]]]) -> bytes:
    """The same roster as one CSV table with a leading 类型 column (UTF-8 with BOM)."""
    union: list[str] = []
    for columns in COLUMNS.values():
        union += [c.name for c in columns if c.name not in union]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([KIND_COLUMN, *union])
    for kind in KINDS:
        for values in sheets.get(kind, ()):
            writer.writerow([kind, *(cell_text(values.get(n)) for n in union)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


Entry = Mapping[str, object]
_ENGLISH: dict[str, dict[str, str]] = {
    ZONE: {
        "zone_id": "责任区编号",
        "name": "责任区名称",
        "leader_id": "组长督学编号",
        "bureau_liaison": "联系局领导",
    },
    INSPECTOR: {
        "inspector_id": "督学编号",
        "name": "姓名",
        "employment": "专兼职",
        "phone": "电话",
        "email": "邮箱",
        "title": "职称",
        "duties": "督学职责",
    },
    SCHOOL: {
        "school_id": "学校编号",
        "name": "学校名称",
        "kind": "学校类型",
        "zone_id": "责任区编号",
        "address": "地址",
        "principal_name": "校长",
        "longitude": "经度",
        "latitude": "纬度",
    },
    LISTING: {
        "inspector_id": "督学编号",
        "school_id": "学校编号",
        "starts_on": "挂牌日期",
        "duties": "挂牌职责",
    },
}
_LABELS = {
    "full_time": "专职",
    "part_time": "兼职",
    "kindergarten": "幼儿园",
    "primary": "小学",
    "junior": "初中",
    "senior": "高中",
    "nine_year": "九年一贯制",
    "vocational": "职业学校",
}


def to_sheets(
    zones: Iterable[Entry] = (),
    inspectors: Iterable[Entry] = (),
    schools: Iterable[Entry] = (),
    listings: Iterable[Entry] = (),
) -> dict[str, list[dict[str, object]]]:
    """Entries with the contracts' English field names as roster rows (Chinese columns,
    Chinese labels for employment and school kind)."""

    def rows(kind: str, entries: Iterable[Entry]) -> list[dict[str, object]]:
        names = _ENGLISH[kind]
        return [
            {
                names[k]: _LABELS.get(v, v) if isinstance(v, str) else v
                for k, v in e.items()
                if k in names and v is not None
            }
            for e in entries
        ]

    return {
        ZONE: rows(ZONE, zones),
        INSPECTOR: rows(INSPECTOR, inspectors),
        SCHOOL: rows(SCHOOL, schools),
        LISTING: rows(LISTING, listings),
    }
