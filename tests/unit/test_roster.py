"""Reading and validating roster files, without any infrastructure."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from services.visits.directory.roster.format import (
    UnknownFormat,
    read_roster,
    write_csv,
    write_xlsx,
)
from services.visits.directory.roster.validate import (
    Existing,
    ExistingListing,
    Recorded,
    check,
    parse,
)
from shared.contracts.directory import Location
from shared.jurisdiction import Jurisdiction
from tests.rosters import roster_csv, roster_xlsx, standard_roster

COUNTY = Jurisdiction(province="510000", city="510700", county="510704")
NEIGHBOUR = Jurisdiction(province="510000", city="510700", county="510703")


def errors_of(
    data: bytes, name: str, existing: Existing | None = None
) -> set[tuple[str, int, str]]:
    read = read_roster(data, name)
    roster, errors = parse(read.rows)
    errors = read.errors + errors + check(roster, existing or Existing(), COUNTY)
    assert all(e.message for e in errors)
    for e in errors:  # zh-CN first, the English half (in parentheses) in English only
        english = e.message.rsplit(" (", 1)[-1] if e.message.endswith(")") else ""
        assert english.isascii(), e.message
    return {(e.sheet, e.row, e.column) for e in errors}


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.worksheets[0])
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("build,name", [(roster_xlsx, "r.xlsx"), (roster_csv, "r.csv")])
def test_the_standard_roster_is_valid_in_both_formats(build: object, name: str) -> None:
    data = build("510704")  # type: ignore[operator]
    read = read_roster(data, name)
    roster, errors = parse(read.rows)
    assert read.errors == [] and errors == []
    assert roster.counts() == {"zones": 2, "inspectors": 3, "schools": 10, "listings": 9}
    assert check(roster, Existing(), COUNTY) == []
    assert roster.listings[0].starts_on == date(2026, 9, 1)
    assert {i.employment.value for i in roster.inspectors} == {"full_time", "part_time"}


def test_excel_cells_numbers_and_dates_are_read_as_text() -> None:
    data = workbook(
        {
            "督学": [
                ["序号", "督学编号", "姓名", "专兼职", "电话"],
                [1, "insp-1", "张督学", "专职", 13800000000],
            ],
            "挂牌": [
                ["督学编号", "学校编号", "挂牌日期"],
                ["insp-1", "s-1", date(2026, 9, 1)],
                [None, None, None],  # an empty row is skipped
            ],
            "学校": [["学校编号", "学校名称", "学校类型", "责任区编号", "地址"]],
            "说明": [["随便写"]],
        }
    )
    read = read_roster(data, "x.xlsx")
    roster, errors = parse(read.rows)
    assert read.errors == [] and errors == []
    assert roster.inspectors[0].phone == "13800000000"
    assert roster.listings[0].starts_on == date(2026, 9, 1)
    assert errors_of(data, "x.xlsx") == {("挂牌", 2, "学校编号")}  # s-1 is nowhere


def test_every_row_error_is_listed_with_sheet_row_and_column() -> None:
    data = workbook(
        {
            "责任区": [
                ["责任区编号", "责任区名称", "组长督学编号"],
                ["z1", "一区", "ghost"],
                ["z1", "一区again", None],
                ["坏 编号", "二区", None],
            ],
            "督学": [
                ["督学编号", "姓名", "专兼职", "电话", "邮箱"],
                ["i1", "张", "临时", "12", "not-an-email"],
            ],
            "学校": [
                ["学校编号", "学校名称", "学校类型", "责任区编号", "地址"],
                ["s1", None, "城堡", "z9", "路"],
                ["s2", "二小", "小学", "z1", "路"],
            ],
            "挂牌": [
                ["督学编号", "学校编号", "挂牌日期"],
                ["i1", "s2", "2026-02-30"],
                ["i9", "s9", "2026-09-01"],
                ["i9", "s2", "2026-09-01"],
                ["i9", "s2", "2026-10-01"],
            ],
            "杂项": [["x"]],
        }
    )
    assert errors_of(data, "bad.xlsx") == {
        ("杂项", 1, ""),
        ("责任区", 2, "组长督学编号"),
        ("责任区", 3, "责任区编号"),
        ("责任区", 4, "责任区编号"),
        ("督学", 2, "专兼职"),
        ("督学", 2, "电话"),
        ("督学", 2, "邮箱"),
        ("学校", 2, "学校名称"),
        ("学校", 2, "学校类型"),
        ("学校", 2, "责任区编号"),  # z9 is nowhere: said too, though the row has other errors
        ("挂牌", 2, "挂牌日期"),
        ("挂牌", 3, "督学编号"),
        ("挂牌", 3, "学校编号"),
        ("挂牌", 4, "督学编号"),
        ("挂牌", 5, "督学编号"),  # unknown inspector, and a duplicate of row 4
    }


def test_a_row_with_a_bad_cell_still_has_its_references_checked_in_the_same_pass() -> None:
    data = workbook(
        {
            "责任区": [
                ["责任区编号", "责任区名称", "组长督学编号"],
                ["z1", None, "ghost"],  # no name, and an unknown leader
            ],
            "学校": [
                ["学校编号", "学校名称", "学校类型", "责任区编号", "地址"],
                ["s1", "一小", "城堡", "z9", "路"],  # bad kind, and an unknown zone
                ["s2", "二小", "小学", "their-zone", None],  # no address, another county's zone
            ],
            "挂牌": [
                ["督学编号", "学校编号", "挂牌日期"],
                ["i9", "s9", "2026-02-30"],  # bad date, unknown inspector and school
                ["坏 编号", "their-school", "2026-09-01"],  # bad id, another county's school
            ],
        }
    )
    there = Recorded(NEIGHBOUR)
    existing = Existing(zones={"their-zone": there}, schools={"their-school": there})
    read = read_roster(data, "bad.xlsx")
    roster, _ = parse(read.rows)
    assert roster.referenced() == ({"z9", "their-zone"}, {"ghost", "i9"}, {"s9", "their-school"})
    assert errors_of(data, "bad.xlsx", existing) == {
        ("责任区", 2, "责任区名称"),
        ("责任区", 2, "组长督学编号"),
        ("学校", 2, "学校类型"),
        ("学校", 2, "责任区编号"),
        ("学校", 3, "地址"),
        ("学校", 3, "责任区编号"),
        ("挂牌", 2, "挂牌日期"),
        ("挂牌", 2, "督学编号"),
        ("挂牌", 2, "学校编号"),
        ("挂牌", 3, "督学编号"),
        ("挂牌", 3, "学校编号"),
    }


def test_missing_and_unknown_columns_are_header_errors() -> None:
    data = workbook({"学校": [["学校编号", "学校名字", "学校类型"], ["s1", "一小", "小学"]]})
    found = errors_of(data, "x.xlsx")
    assert {("学校", 1, "学校名字"), ("学校", 1, "学校名称"), ("学校", 1, "地址")} <= found


def test_the_directory_decides_registered_elsewhere_and_jurisdiction() -> None:
    base = standard_roster("c")
    data = roster_xlsx(
        "c",
        zones=[],
        inspectors=[],
        schools=[
            base["schools"][0],
            {**base["schools"][1], "zone_id": "their-zone"},
            {**base["schools"][2], "school_id": "their-other"},
        ],
        listings=[
            {"inspector_id": "their-insp", "school_id": "c-s1", "starts_on": "2026-09-01"},
            {"inspector_id": "c-insp-1", "school_id": "their-school", "starts_on": "2026-09-01"},
            {"inspector_id": "c-insp-1", "school_id": "old", "starts_on": "2026-09-01"},
            {"inspector_id": "c-insp-2", "school_id": "old", "starts_on": "2026-05-01"},
        ],
    )
    here, there = Recorded(COUNTY), Recorded(NEIGHBOUR)
    existing = Existing(
        zones={"c-z1": here, "their-zone": there},
        inspectors={"c-insp-1": here, "c-insp-2": here, "their-insp": there},
        schools={"c-s1": here, "their-school": there, "their-other": there, "old": here},
        listings={
            "old": [
                ExistingListing("c-insp-1", date(2026, 3, 1), None),
                ExistingListing("c-insp-2", date(2026, 3, 1), date(2026, 6, 30)),
            ]
        },
    )
    assert errors_of(data, "x.xlsx", existing) == {
        ("学校", 3, "责任区编号"),  # zone of another county
        ("学校", 4, "学校编号"),  # school registered in another county
        ("挂牌", 2, "督学编号"),  # inspector of another county
        ("挂牌", 3, "学校编号"),  # school of another county
        ("挂牌", 5, "挂牌日期"),  # overlaps an ended listing
    }  # c-s1 registered here, and c-insp-1's open listing at "old": reconciled, no error


def test_csv_kinds_encodings_and_unknown_formats() -> None:
    text = "类型,学校编号,学校名称,学校类型,责任区编号,地址\n学校,s1,一小,小学,z1,路\n食堂,s2,,,,\n"
    for encoding in ("utf-8", "utf-8-sig", "gb18030"):
        found = errors_of(text.encode(encoding), "x.csv")
        assert found == {("CSV", 3, "类型"), ("学校", 2, "责任区编号")}
    assert errors_of("学校编号\ns1\n".encode(), "x.csv") == {("CSV", 1, "类型")}
    with pytest.raises(UnknownFormat, match="xls"):
        read_roster(b"\xd0\xcf\x11\xe0" + bytes(64), "old.xls")
    with pytest.raises(UnknownFormat):
        read_roster(b"PK\x03\x04not really a zip", "x.xlsx")
    with pytest.raises(UnknownFormat):
        read_roster(b"\x00\x01\x02", "x.bin")


def test_the_template_and_the_csv_writer_round_trip() -> None:
    template = read_roster(write_xlsx({}, notes=True), "t.xlsx")
    assert template.rows == [] and template.errors == []
    sheets = {"学校": [{"学校编号": "s1", "学校名称": "一小", "学校类型": "小学"}]}
    read = read_roster(write_csv(sheets), "x.csv")
    assert [dict(r.values) for r in read.rows] == [sheets["学校"][0]]


def test_coordinates_are_wgs84_degrees_both_or_neither_inside_china() -> None:
    header: list[object] = [
        "学校编号",
        "学校名称",
        "学校类型",
        "责任区编号",
        "地址",
        "经度",
        "纬度",
    ]
    school: list[object] = ["s1", "一小", "小学", "z1", "路"]
    data = workbook(
        {
            "责任区": [["责任区编号", "责任区名称"], ["z1", "一区"]],
            "学校": [
                header,
                [*school, 104.732, 31.4676],
                ["s2", *school[1:], " 104.732 ", "31.4676"],
                ["s3", *school[1:], 104.732, None],  # latitude missing
                ["s4", *school[1:], "104°43′", 31.4],  # not decimal
                ["s5", *school[1:], 190, 31.4],  # out of range
                ["s6", *school[1:], 31.4676, 104.732],  # swapped
                ["s7", *school[1:], None, None],
            ],
        }
    )
    assert errors_of(data, "x.xlsx") == {
        ("学校", 4, "纬度"),
        ("学校", 5, "经度"),
        ("学校", 6, "经度"),
        ("学校", 7, "经度"),
        ("学校", 7, "纬度"),
    }
    read = read_roster(data, "x.xlsx")
    roster, _ = parse(read.rows)
    located = {s.school_id: s.location for s in roster.schools}
    assert located["s1"] == located["s2"] == Location(longitude=104.732, latitude=31.4676)
    assert located["s7"] is None


def test_the_template_has_the_coordinate_columns_and_says_the_datum() -> None:
    book = load_workbook(io.BytesIO(write_xlsx({}, notes=True)))
    assert [c.value for c in book["学校"][1]][-2:] == ["经度", "纬度"]
    notes = {row[1]: row[3] for row in book["说明"].iter_rows(values_only=True)}
    assert "WGS-84" in str(notes["经度"]) and "GCJ-02" in str(notes["经度"])
