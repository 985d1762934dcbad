"""Tests for the blank outreach-log template (infoview_analytics.template)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils import get_column_letter

from infoview_analytics import schema, vocab
from infoview_analytics.template import (
    CHANNEL_LABELS,
    STATUS_WORDS,
    TEMPLATE_COLUMNS,
    write_template,
)

# The Log sheet as a student sees it: header -> canonical field. Written out
# here, not derived from the module, so an accidental edit shows up.
EXPECTED = {
    "Student": "seeker",
    "Cohort": "cohort",
    "Activity": "activity",
    "Contact": "contact",
    "Contact title": "contact_title",
    "Company": "company",
    "Industry": "industry",
    "Channel": "channel",
    "Referred by": "referred_by",
    "Date contacted": "contacted_on",
    "Follow-ups": "followups",
    "Responded": "responded",
    "Date responded": "responded_on",
    "Info interview": "info_interview",
    "Info interview date": "info_interview_on",
    "Thank-you sent": "thank_you",
    "Referrals": "referrals",
    "Job interview": "job_interview",
    "Offer": "offer",
    "Status": "status_raw",
    "Notes": "notes",
}
YES_NO_HEADERS = ("Responded", "Info interview", "Thank-you sent", "Job interview", "Offer")
DATE_HEADERS = ("Date contacted", "Date responded", "Info interview date")
COUNT_HEADERS = ("Follow-ups", "Referrals")
ROWS = 40


@pytest.fixture(scope="module")
def template_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("template") / "log.xlsx", rows=ROWS)


@pytest.fixture(scope="module")
def book(template_path: Path):
    return load_workbook(template_path)


def letters(ws) -> dict[str, str]:
    """Header text -> column letter on the Log sheet."""
    return {c.value: c.column_letter for c in ws[1] if c.value is not None}


def validations(ws) -> dict[str, object]:
    """Cell range -> DataValidation."""
    return {str(rng): dv for dv in ws.data_validations.dataValidation for rng in dv.sqref.ranges}


def all_values(book) -> dict[str, list[tuple]]:
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_returns_path_and_opens(template_path: Path, book) -> None:
    assert isinstance(template_path, Path) and template_path.exists()
    assert book.sheetnames == ["Log", "Instructions"]
    assert book.active.title == "Log"


def test_log_headers_are_the_intended_ones(book) -> None:
    ws = book["Log"]
    assert [c.value for c in ws[1]] == list(EXPECTED)
    assert [c.field for c in TEMPLATE_COLUMNS] == list(EXPECTED.values())
    assert ws.max_row == 1  # no example rows that would be loaded as data


def test_headers_match_schema_headers_except_student() -> None:
    friendly = {c.name: c.header for c in schema.COLUMNS}
    for header, field in EXPECTED.items():
        if field != "seeker":
            assert header == friendly[field]


@pytest.mark.parametrize(("header", "field"), EXPECTED.items())
def test_each_header_is_a_loader_alias_of_its_field(header: str, field: str) -> None:
    assert vocab.squash(header) in vocab.FIELD_ALIASES[field]
    # ... and of no other field, so the loader cannot hesitate between two.
    others = [f for f, aliases in vocab.FIELD_ALIASES.items()
              if f != field and vocab.squash(header) in aliases]
    assert others == []


def test_derived_columns_are_not_in_the_template() -> None:
    fields = {c.field for c in TEMPLATE_COLUMNS}
    derived = {"stage", "outcome", "channel_raw", *schema.PROVENANCE_COLUMNS}
    assert fields.isdisjoint(derived)


def test_drop_down_lists(book) -> None:
    ws = book["Log"]
    col, dvs = letters(ws), validations(ws)
    expected_lists = {
        "Activity": "Networking,Application",
        "Channel": ",".join(CHANNEL_LABELS.values()),
        "Status": ",".join(STATUS_WORDS),
        **{h: "Yes,No" for h in YES_NO_HEADERS},
    }
    for header, words in expected_lists.items():
        dv = dvs[f"{col[header]}2:{col[header]}{ROWS + 1}"]
        assert dv.type == "list"
        assert dv.formula1 == f'"{words}"'
        assert len(dv.formula1) <= 255  # Excel's limit for an inline list
        assert dv.allow_blank and dv.showErrorMessage and dv.errorStyle == "stop"
        assert dv.error.startswith("Pick from the drop-down list:")
        assert all(w in dv.error for w in words.split(","))


def test_number_and_date_checks(book) -> None:
    ws = book["Log"]
    col, dvs = letters(ws), validations(ws)
    for header in COUNT_HEADERS:
        dv = dvs[f"{col[header]}2:{col[header]}{ROWS + 1}"]
        assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
        assert "whole number" in dv.error and dv.showErrorMessage
    for header in DATE_HEADERS:
        dv = dvs[f"{col[header]}2:{col[header]}{ROWS + 1}"]
        assert (dv.type, dv.operator) == ("date", "between")
        # Excel serials of 2000-01-01 and 2099-12-31.
        assert (dv.formula1, dv.formula2) == ("36526", "73050")
        assert "date" in dv.error and dv.showErrorMessage


def test_only_the_expected_columns_are_checked(book) -> None:
    ws = book["Log"]
    col = letters(ws)
    checked = {"Activity", "Channel", "Status", *YES_NO_HEADERS, *COUNT_HEADERS, *DATE_HEADERS}
    expected = {f"{col[h]}2:{col[h]}{ROWS + 1}" for h in checked}
    assert set(validations(ws)) == expected
    for dv in ws.data_validations.dataValidation:
        assert len(dv.error) <= 255 and len(dv.errorTitle) <= 32  # Excel's limits


def test_date_columns_have_a_date_format(book) -> None:
    ws = book["Log"]
    col = letters(ws)
    for header in EXPECTED:
        fmt = ws.column_dimensions[col[header]].number_format
        assert is_date_format(fmt) == (header in DATE_HEADERS), header
    assert ws.column_dimensions[col["Date contacted"]].number_format == "yyyy-mm-dd"


def test_layout(book) -> None:
    ws = book["Log"]
    assert ws.freeze_panes == "A2"
    last = get_column_letter(len(EXPECTED))
    assert ws.auto_filter.ref == f"A1:{last}{ROWS + 1}"
    for cell in ws[1]:
        assert cell.font.bold
        assert cell.fill.fill_type == "solid"
        width = ws.column_dimensions[cell.column_letter].width
        assert width >= len(cell.value) + 4, cell.value  # room for the filter button
    assert ws.column_dimensions[letters(ws)["Notes"]].width >= 30


def test_instructions_mention_every_header_and_channel(book) -> None:
    text = "\n".join(str(v) for row in book["Instructions"].iter_rows(values_only=True)
                     for v in row if v is not None)
    for header in EXPECTED:
        assert header in text, header
    for label in CHANNEL_LABELS.values():
        assert label in text, label
    for meaning in (c.meaning for c in schema.COLUMNS if c.name in {"company", "responded"}):
        assert meaning in text
    for phrase in ("one row per person", "dates as dates", "columns of your own", "as it is"):
        assert phrase in text.lower(), phrase


def test_instructions_do_not_look_like_a_log(book) -> None:
    aliases = {a for group in vocab.FIELD_ALIASES.values() for a in group}
    for row in book["Instructions"].iter_rows(values_only=True):
        cells = [v for v in row if v is not None]
        assert len(cells) <= 1  # one cell per line: never a table
        assert not any(vocab.squash(v) in aliases for v in cells), cells


def test_loader_header_detection_agrees(book) -> None:
    mapping = pytest.importorskip("infoview_analytics.mapping")
    for header, field in EXPECTED.items():
        assert mapping.match_header(header) == (field, "alias"), header
    log_rows = [list(r) for r in book["Log"].iter_rows(values_only=True)]
    assert mapping.find_header_row(log_rows) == (0, set(EXPECTED.values()))
    instructions = [list(r) for r in book["Instructions"].iter_rows(values_only=True)]
    assert mapping.find_header_row(instructions) == (None, set())


def test_channel_labels_map_back_to_their_channel() -> None:
    assert set(CHANNEL_LABELS) == set(schema.CHANNELS) - {"unknown"}
    for channel, label in CHANNEL_LABELS.items():
        assert vocab.parse_channel(label) == channel, label
        assert "," not in label  # a comma would split the drop-down list


def test_activity_words_map_back() -> None:
    activity = next(c for c in TEMPLATE_COLUMNS if c.field == "activity")
    assert [vocab.parse_activity(w) for w in activity.choices] == list(schema.ACTIVITIES)


def test_yes_no_words_map_back() -> None:
    for col in TEMPLATE_COLUMNS:
        if col.field in schema.BOOL_COLUMNS:
            assert [vocab.parse_yes_no(w) for w in col.choices] == [True, False]


@pytest.mark.parametrize("word", STATUS_WORDS)
def test_status_words_are_understood(word: str) -> None:
    assert vocab.parse_status(word) is not None
    assert "," not in word


def test_status_words_cover_the_outcomes() -> None:
    implied = {vocab.parse_status(w).outcome for w in STATUS_WORDS}
    assert set(schema.OUTCOMES) <= implied


def test_writing_twice_gives_the_same_workbook(tmp_path: Path) -> None:
    first = write_template(tmp_path / "a.xlsx")
    second = write_template(tmp_path / "b.xlsx")
    a, b = load_workbook(first), load_workbook(second)
    assert all_values(a) == all_values(b)
    for props in (a.properties, b.properties):
        assert props.creator == "infoview-analytics"
        assert props.created == props.modified == dt.datetime(2025, 1, 1)
    assert first.read_bytes() == second.read_bytes()


def test_rows_sets_the_checked_range(tmp_path: Path) -> None:
    ws = load_workbook(write_template(tmp_path / "log.xlsx"))["Log"]
    assert "L2:L501" in validations(ws)  # default rows=500; L is Responded
    assert ws.auto_filter.ref == "A1:U501"


@pytest.mark.parametrize(("name", "rows"), [("log.csv", 10), ("log.xlsx", 0)])
def test_bad_arguments_raise(tmp_path: Path, name: str, rows: int) -> None:
    with pytest.raises(ValueError, match=name):
        write_template(tmp_path / name, rows=rows)
    assert not (tmp_path / name).exists()


def test_filled_template_loads_without_mapping(tmp_path: Path) -> None:
    from infoview_analytics.load import load_log

    path = write_template(tmp_path / "ana.xlsx", rows=20)
    book = load_workbook(path)
    ws = book["Log"]
    col = {c.value: c.column for c in ws[1]}
    rows = [
        {"Student": "Ana Lopez", "Cohort": "Class of 2026", "Activity": "Networking",
         "Contact": "Sam Lee", "Contact title": "Data Analyst", "Company": "Acme Health",
         "Channel": "Alumni", "Date contacted": dt.date(2025, 3, 3), "Follow-ups": 1,
         "Responded": "Yes", "Date responded": dt.date(2025, 3, 5), "Info interview": "Yes",
         "Info interview date": dt.date(2025, 3, 12), "Thank-you sent": "Yes",
         "Referrals": 2, "Status": "Coffee chat done", "Notes": "Ask about the fall cohort"},
        {"Student": "Ana Lopez", "Cohort": "Class of 2026", "Activity": "Application",
         "Company": "Globex", "Channel": "Job board", "Date contacted": dt.date(2025, 3, 10),
         "Responded": "No", "Status": "No response"},
    ]
    for r, values in enumerate(rows, start=2):
        for header, value in values.items():
            ws.cell(row=r, column=col[header], value=value)
    book.save(path)

    log = load_log(path)

    assert len(log) == 2
    assert set(log["source_sheet"]) == {"Log"}  # the Instructions sheet added nothing
    first, second = log.iloc[0], log.iloc[1]
    assert list(log["seeker"]) == ["Ana Lopez", "Ana Lopez"]
    assert list(log["company"]) == ["Acme Health", "Globex"]
    assert first["contact"] == "Sam Lee"
    assert first["contact_title"] == "Data Analyst"
    assert list(log["activity"]) == ["networking", "application"]
    assert list(log["channel"]) == ["alumni", "job_board"]
    assert first["contacted_on"] == dt.datetime(2025, 3, 3)
    assert first["responded_on"] == dt.datetime(2025, 3, 5)
    assert bool(first["responded"]) is True and bool(second["responded"]) is False
    assert bool(first["info_interview"]) is True and bool(first["thank_you"]) is True
    assert first["followups"] == 1 and first["referrals"] == 2
    assert first["status_raw"] == "Coffee chat done"
    assert second["outcome"] == "no_response"
