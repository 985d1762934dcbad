"""The blank outreach-log workbook a counselor hands out to students.

:func:`write_template` writes an ``.xlsx`` file with a "Log" sheet (friendly
headers, drop-down lists, number and date checks) and an "Instructions" sheet
in plain words. Every header is one the loader recognises without a mapping,
every drop-down word is one the vocabularies understand, so a filled-in
template loads exactly as the student meant it.

One table of column specs (:data:`TEMPLATE_COLUMNS`) drives the whole sheet.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from infoview_analytics import schema
from infoview_analytics.save import save_workbook_reproducibly

__all__ = [
    "CHANNEL_LABELS",
    "STATUS_WORDS",
    "TEMPLATE_COLUMNS",
    "TemplateColumn",
    "write_template",
]

#: Drop-down label for each canonical channel ("unknown" is the loader's, not a choice).
#: Each label maps back to its channel through :func:`infoview_analytics.vocab.parse_channel`.
CHANNEL_LABELS: dict[str, str] = {
    "linkedin": "LinkedIn",
    "email": "Email",
    "phone": "Phone",
    "letter": "Letter",
    "alumni": "Alumni",
    "warm_intro": "Warm intro",
    "event": "Event / career fair",
    "in_person": "In person",
    "job_board": "Job board",
    "company_site": "Company site",
    "recruiter": "Recruiter",
    "other": "Other",
}
_CHANNEL_HELP: dict[str, str] = {
    "linkedin": "a LinkedIn message, InMail, connection request or Easy Apply",
    "email": "an email you wrote yourself",
    "phone": "a call or text message",
    "letter": "a letter on paper",
    "alumni": "found through your school's alumni directory or alumni office",
    "warm_intro": "someone you know introduced you (write who under Referred by)",
    "event": "met at a career fair, info session, conference or meetup",
    "in_person": "walked in or met face to face outside an event",
    "job_board": "applied through Indeed, Handshake, Glassdoor or another job board",
    "company_site": "applied on the company's own careers page",
    "recruiter": "a recruiter or staffing agency put you forward",
    "other": "anything else (say what in Notes)",
}

#: Drop-down words for Status, each understood by :func:`infoview_analytics.vocab.parse_status`.
STATUS_WORDS: tuple[str, ...] = (
    "Contacted",
    "No response",
    "Replied",
    "Meeting scheduled",
    "Coffee chat done",
    "Referred",
    "Job interview",
    "Offer",
    "Rejected",
    "Declined",
    "Withdrew",
)

_YES_NO = ("Yes", "No")
_ACTIVITY_WORDS = ("Networking", "Application")  # vocab.parse_activity reads these
_FIRST_DATE, _LAST_DATE = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
_DATE_FORMAT = "yyyy-mm-dd"
#: Fixed timestamps so two runs write byte-identical files.
_STAMP = dt.datetime(2025, 1, 1)


@dataclass(frozen=True)
class TemplateColumn:
    """One column of the Log sheet.

    ``kind`` is ``"text"``, ``"choice"`` (drop-down of ``choices``), ``"count"``
    (whole number >= 0) or ``"date"``. ``meaning`` is the schema's unless given.
    """

    field: str
    header: str
    width: float
    kind: str = "text"
    choices: tuple[str, ...] = ()
    meaning: str = ""
    tip: str = ""


def _column(field: str, width: float, kind: str = "text", choices: tuple[str, ...] = (),
            *, header: str = "", meaning: str = "", tip: str = "") -> TemplateColumn:
    spec = next(c for c in schema.COLUMNS if c.name == field)
    return TemplateColumn(field, header or spec.header, width, kind, choices,
                          meaning or spec.meaning, tip)


#: The Log sheet, left to right. Derived columns (stage, outcome, channel_raw,
#: source_*) are left out: the loader works them out.
TEMPLATE_COLUMNS: tuple[TemplateColumn, ...] = (
    _column("seeker", 18, header="Student", tip="Write your name the same way on every row."),
    _column("cohort", 14, tip="Write it the way your counselor asks."),
    _column("activity", 14, "choice", _ACTIVITY_WORDS,
            tip="Pick Networking or Application from the list."),
    _column("contact", 20, tip="First and last name. For an application, the recruiter or "
                               "hiring manager if you know one, otherwise leave it empty."),
    _column("contact_title", 20, tip="As it appears on their profile or signature."),
    _column("company", 22, tip="Spell each company the same way every time."),
    _column("industry", 16, tip="For example Healthcare, Finance, Education, Tech."),
    _column("channel", 20, "choice", tuple(CHANNEL_LABELS.values()),
            tip="Pick from the drop-down list; see Choosing a channel below."),
    _column("referred_by", 18, tip="The name of whoever introduced you, if anyone did."),
    _column("contacted_on", 15, "date", tip="The day you first reached out or applied."),
    _column("followups", 11, "count", tip="0 if you have not followed up (yet)."),
    _column("responded", 12, "choice", _YES_NO, tip="Yes even if the answer was no."),
    _column("responded_on", 15, "date"),
    _column("info_interview", 14, "choice", _YES_NO,
            tip="A call, video chat or coffee all count; Yes once it has happened."),
    _column("info_interview_on", 19, "date"),
    _column("thank_you", 15, "choice", _YES_NO, tip="Yes or No."),
    _column("referrals", 11, "count", tip="0 if none."),
    _column("job_interview", 14, "choice", _YES_NO, tip="Any round counts: Yes or No."),
    _column("offer", 10, "choice", _YES_NO, tip="Yes or No."),
    _column("status_raw", 20, "choice", STATUS_WORDS, meaning="where this lead stands now",
            tip="Pick the word for the furthest point reached and keep it up to date."),
    _column("notes", 40, meaning="anything else worth remembering",
            tip="For example what you learned, next steps, links."),
)


def write_template(path: str | os.PathLike[str], *, rows: int = 500) -> Path:
    """Write a blank outreach-log workbook for students to fill in.

    Parameters
    ----------
    path
        Where to write the ``.xlsx`` file; an existing file is replaced.
    rows
        How many data rows get drop-down lists and checks (rows 2 to
        ``rows + 1``). Students can type below them; those cells are simply
        not checked.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValueError
        If *path* does not end in ``.xlsx`` or *rows* is less than 1.

    Notes
    -----
    The "Log" sheet has one column per entry of :data:`TEMPLATE_COLUMNS`, a
    bold frozen header with an autofilter, drop-down lists (Activity, Channel,
    yes/no columns, Status), whole-number checks (Follow-ups, Referrals) and
    date checks with a ``yyyy-mm-dd`` format on the date columns. The
    "Instructions" sheet explains each column in one cell per line, so the
    loader never mistakes it for a log. Workbook properties and zip
    timestamps are fixed: the same arguments always give the same bytes.

    Examples
    --------
    >>> import tempfile
    >>> from openpyxl import load_workbook
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     written = write_template(Path(tmp) / "outreach-log.xlsx", rows=50)
    ...     book = load_workbook(written)
    >>> book.sheetnames
    ['Log', 'Instructions']
    >>> [cell.value for cell in book["Log"][1][:4]]
    ['Student', 'Cohort', 'Activity', 'Contact']
    """
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise ValueError(
            f"{target}: the template is an Excel workbook; give a path ending in .xlsx"
        )
    if rows < 1:
        raise ValueError(f"{target}: rows must be at least 1 (got {rows})")

    book = Workbook()
    log = book.active
    log.title = "Log"
    _fill_log(log, rows)
    _fill_instructions(book.create_sheet("Instructions"))
    book.active = 0
    book.properties.title = "Outreach log"
    save_workbook_reproducibly(book, target, creator="infoview-analytics")
    return target


def _fill_log(ws: Worksheet, rows: int) -> None:
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    last_row = rows + 1
    for index, col in enumerate(TEMPLATE_COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index, value=col.header)
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(vertical="center")
        dimension = ws.column_dimensions[letter]
        dimension.width = max(col.width, len(col.header) + 4)  # bold text + filter button
        if col.kind == "date":
            dimension.number_format = _DATE_FORMAT  # column style: applies to typed cells
        validation = _validation(col)
        if validation is not None:
            validation.add(f"{letter}2:{letter}{last_row}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(TEMPLATE_COLUMNS))}{last_row}"


def _validation(col: TemplateColumn) -> DataValidation | None:
    if col.kind == "choice":
        words = ", ".join(col.choices[:-1]) + " or " + col.choices[-1]
        rule = DataValidation(type="list", formula1='"' + ",".join(col.choices) + '"')
        hint = f"Pick from the drop-down list: {words}."
    elif col.kind == "count":
        rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
        hint = "Type a whole number, 0 or more (for example 0, 1 or 2)."
    elif col.kind == "date":
        rule = DataValidation(type="date", operator="between",
                              formula1=str(int(to_excel(_FIRST_DATE))),
                              formula2=str(int(to_excel(_LAST_DATE))))
        hint = "Type a date, for example 2025-03-14 (year-month-day)."
    else:
        return None
    rule.allow_blank = True
    rule.showErrorMessage = rule.showInputMessage = True
    rule.errorStyle = "stop"
    rule.errorTitle = rule.promptTitle = col.header[:32]  # Excel's limit on titles
    rule.error = rule.prompt = hint
    return rule


def _instruction_lines() -> list[tuple[str, str]]:
    """(style, text) pairs, one cell each: "title", "heading" or "text"."""
    lines = [
        ("title", "How to fill in your outreach log"),
        ("text", "Use the Log sheet. Write one row per person you reach out to (networking) "
                 "or per job posting you apply to (application). Start on row 2, right under "
                 "the coloured header, and keep going down; do not leave empty rows between "
                 "entries."),
        ("text", "Update a row when something happens (a reply, a meeting, an interview) "
                 "instead of adding a new row for the same person or posting."),
        ("heading", "What each column means"),
    ]
    lines += [("text", f"\u2022 {c.header}: {c.meaning}. {c.tip}".rstrip())
              for c in TEMPLATE_COLUMNS]
    lines += [
        ("heading", "Choosing a channel"),
        ("text", "Pick how you first reached this person or posting. If two apply, pick the "
                 "one that got you in the door."),
    ]
    lines += [("text", f"\u2022 {CHANNEL_LABELS[ch]}: {_CHANNEL_HELP[ch]}.")
              for ch in CHANNEL_LABELS]
    lines += [
        ("heading", "Dates are dates"),
        ("text", "Type dates as dates, for example 2025-03-14 or 3/14/2025, and Excel will "
                 "show them as year-month-day. Do not write words like 'last Tuesday' or "
                 "'March'; if you do not know the day, leave the cell empty."),
        ("heading", "Your own columns are welcome"),
        ("text", "You can add columns of your own to the right of Notes (for example a job "
                 "link or a salary). They will be kept. Please do not rename or delete the "
                 "columns that are already there."),
        ("heading", "What happens to this file"),
        ("text", "Hand the file in as it is. Your counselor's kit reads it directly: no need "
                 "to copy, clean up or convert anything, and empty rows are ignored. Names "
                 "in this file are personal data; the kit can hide them before anything "
                 "is shared."),
    ]
    return lines


def _fill_instructions(ws: Worksheet) -> None:
    # One cell per row, never a table of bare column names: the loader skips
    # sheets without a header row, and this one must never look like a log.
    ws.column_dimensions["A"].width = 110
    fonts = {"title": Font(bold=True, size=14), "heading": Font(bold=True, size=12),
             "text": Font()}
    row = 1
    for style, text in _instruction_lines():
        if style == "heading":
            row += 1  # a blank line before each section
        cell = ws.cell(row=row, column=1, value=text)
        cell.font = fonts[style]
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        row += 1
