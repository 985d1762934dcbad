"""The ``infoview`` command: validate, summarise, draw charts, template and demo without a notebook.

Every failure the user can fix ends as one line on stderr and exit status 2;
nothing prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import pandas as pd

from .errors import ExportError, InfoviewError
from .load import LoadReport, load_log_with_report
from .metrics import format_one_in, funnel, offer_conversion, referral_yield, response_rates

__all__ = ["main"]

EXIT_OK, EXIT_ERROR, EXIT_INTERNAL = 0, 2, 3


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``infoview`` command; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_ERROR
    warnings.simplefilter("ignore")  # the command prints its own account of problems
    try:
        return args.func(args)
    except InfoviewError as exc:
        print(f"infoview: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("infoview: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # never a traceback for users; say what broke and where to report
        print(f"infoview: internal error: {type(exc).__name__}: {exc} "
              "(please report this with the file that caused it)", file=sys.stderr)
        return EXIT_INTERNAL


class _Parser(argparse.ArgumentParser):
    """argparse, with usage mistakes reported as one line like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_ERROR, f"infoview: error: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="infoview",
        description="Informational-interview and job-search outreach logs: load, check, "
                    "measure.",
    )
    sub = p.add_subparsers(metavar="COMMAND", parser_class=_Parser)

    v = sub.add_parser("validate", help="check that files load; show mapping, rejected rows, "
                                        "problems")
    _add_inputs(v)
    v.add_argument("--json", action="store_true", help="print one JSON object")
    v.add_argument("--strict", action="store_true",
                   help="exit 2 if any file in a folder could not be read")
    v.set_defaults(func=_cmd_validate)

    s = sub.add_parser("summary", help="headline numbers of the log")
    _add_inputs(s)
    _add_as_of(s)
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=_cmd_summary)

    c = sub.add_parser("charts", help="write the workshop chart pack (anonymised by default)")
    _add_export_options(c, "charts", "png", "png,svg,pdf")
    c.set_defaults(func=_cmd_charts)

    tb = sub.add_parser("tables", help="write the metric tables as CSV and XLSX (anonymised by "
                                       "default)")
    _add_export_options(tb, "tables", "csv,xlsx", "csv,xlsx")
    tb.set_defaults(func=_cmd_tables)

    r = sub.add_parser("report", help="run the notebooks on the logs: an HTML report and the "
                                      "chart pack")
    r.add_argument("paths", nargs="+", metavar="PATH", type=Path,
                   help="one job seeker's log, or a cohort's files or folders")
    r.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help="folder for the report (created if needed)")
    r.add_argument("--show-code", action="store_true", help="keep the code in the HTML")
    r.add_argument("--timeout", type=int, default=600, metavar="SECONDS",
                   help="longest any one notebook cell may run (default 600)")
    r.set_defaults(func=_cmd_report)

    t = sub.add_parser("template", help="write a blank outreach-log workbook to hand out")
    t.add_argument("out", metavar="OUT.xlsx", type=Path)
    t.add_argument("--rows", type=int, default=500, help="rows with drop-downs (default 500)")
    t.set_defaults(func=_cmd_template)

    d = sub.add_parser("demo", help="run on the bundled sample data: summaries, reports, "
                                    "charts, tables")
    d.add_argument("--out", type=Path, default=Path("out"), help="folder for the results")
    d.add_argument("--no-report", dest="report", action="store_false",
                   help="skip the notebook reports (faster)")
    d.set_defaults(func=_cmd_demo)
    return p


def _add_inputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", type=Path,
                   help="outreach log files or folders")
    p.add_argument("--mapping", metavar="FILE", type=Path,
                   help="YAML/TOML file mapping source headers to canonical columns")
    p.add_argument("--seeker", help="job seeker's name for every row")
    p.add_argument("--cohort", help="cohort for rows whose log does not say")
    p.add_argument("--sheet", help="read only this sheet of each workbook")


def _add_export_options(p: argparse.ArgumentParser, what: str, default: str,
                        choices: str) -> None:
    _add_inputs(p)
    p.add_argument("--out", type=Path, required=True, metavar="DIR",
                   help=f"folder for the {what} (created if needed)")
    p.add_argument("--format", default=default, metavar=choices,
                   help=f"comma-separated file formats (default: {default})")
    p.add_argument("--no-anonymise", dest="anonymise", action="store_false",
                   help="keep real names and show small groups (for your own use, not to share)")
    p.add_argument("--min-group", type=int, default=5, metavar="K",
                   help="leave out groups of fewer than K leads when anonymising (default 5)")
    _add_as_of(p)


def _add_as_of(p: argparse.ArgumentParser) -> None:
    p.add_argument("--as-of", metavar="DATE", type=_date,
                   help="date to judge the log at, YYYY-MM-DD (default: newest date in the log)")


def _date(text: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def _load(args: argparse.Namespace) -> tuple[pd.DataFrame, LoadReport]:
    return load_log_with_report(args.paths, mapping=args.mapping, seeker=args.seeker,
                                cohort=args.cohort, sheet=args.sheet)


# ---------------------------------------------------------------------------
# validate
# ---------------------------------------------------------------------------
def _cmd_validate(args: argparse.Namespace) -> int:
    _, report = _load(args)
    if args.json:
        print(report.to_json(indent=2))
    else:
        print(format_report(report))
    if report.errors and args.strict:
        return EXIT_ERROR
    return EXIT_OK


def format_report(report: LoadReport, *, examples: int = 5) -> str:
    """The load report as readable text: a table of files, then what to look at."""
    lines = []
    width = max([len(f.file) for f in report.files] + [4])
    lines.append(f"{'file':<{width}}  {'read':>6} {'loaded':>6} {'rejected':>8} {'problems':>8}")
    for f in report.files:
        if f.error:
            lines.append(f"{f.file:<{width}}  NOT READ: {f.error}")
            continue
        lines.append(f"{f.file:<{width}}  {f.rows_read:>6} {f.rows_loaded:>6} "
                     f"{f.rows_rejected:>8} {len(f.problems):>8}")
    lines.append(f"{'total':<{width}}  {report.rows_read:>6} {report.rows_loaded:>6} "
                 f"{report.rows_rejected:>8}")
    for f in report.files:
        if f.error:
            continue
        lines.append("")
        lines.append(f"== {f.file}")
        for s in f.sheets:
            where = f"sheet '{s.sheet}'" if s.sheet else "table"
            if s.skipped:
                lines.append(f"  {where}: skipped - {s.skipped}")
                continue
            lines.append(f"  {where}: header on row {s.header_row}")
            for header, target in s.mapping.items():
                lines.append(f"    {header!r:<34} -> {target}")
            if s.unmapped:
                lines.append(f"    kept as extra columns: {', '.join(map(repr, s.unmapped))}")
            for note in s.notes:
                lines.append(f"    note: {note}")
        if f.rejected:
            reasons = pd.Series([r["reason"] for r in f.rejected]).value_counts()
            lines.append("  rejected rows: " + "; ".join(f"{n} {r}" for r, n in reasons.items()))
            for r in f.rejected[:examples]:
                lines.append(f"    row {r['row']}{_sheet(r)}: {r['reason']}")
        for p in f.problems[:examples]:
            value = "" if p["value"] is None else f" {p['value']!r}"
            lines.append(f"  row {p['row']}{_sheet(p)}, column {p['column']!r}:{value} - "
                         f"{p['message']}")
        if len(f.problems) > examples:
            lines.append(f"  ... {len(f.problems) - examples} more problems (use --json to see "
                         "all)")
    return "\n".join(lines)


def _sheet(item: dict) -> str:
    return f" of sheet '{item['sheet']}'" if item.get("sheet") else ""


# ---------------------------------------------------------------------------
# summary
# ---------------------------------------------------------------------------
def summarise(log: pd.DataFrame, report: LoadReport, *, as_of: object = None) -> dict:
    """Headline numbers of a log as a JSON-ready dict (no NaN or infinity: ``None``)."""
    f = funnel(log)
    dates = log["contacted_on"].dropna()
    overall = response_rates(log, by=None, as_of=as_of).iloc[0]
    by_channel = response_rates(log, by="channel", as_of=as_of)
    yield_by_industry = referral_yield(log, by="industry")
    return {
        "leads": int(len(log)),
        "networking": int((log["activity"] == "networking").sum()),
        "applications": int((log["activity"] == "application").sum()),
        "seekers": int(log["seeker"].nunique()),
        "date_range": [str(dates.min().date()), str(dates.max().date())] if len(dates) else None,
        "funnel": dict(zip(f["stage"], f["count"].astype(int), strict=True)),
        "response_rate": _rate_record(overall, "n", "responded", "pending", "not_recorded"),
        "info_interview_to_offer": _conversion(log, "networking", "interviews"),
        "application_to_offer": _conversion(log, "application", "applications"),
        "by_channel": [
            {"channel": str(row["channel"]),
             **_rate_record(row, "n", "responded", "pending", "small_sample")}
            for _, row in by_channel.iterrows()
        ],
        "referral_yield_by_industry": [
            {"industry": str(row["industry"]), "info_interviews": int(row["n"]),
             "referrals": int(row["referrals"]), "per_interview": _number(row["per_interview"]),
             "ci_low": _number(row["ci_low"]), "ci_high": _number(row["ci_high"])}
            for _, row in yield_by_industry.iterrows()
        ],
        "rows_read": report.rows_read,
        "rows_rejected": report.rows_rejected,
    }


def _conversion(log: pd.DataFrame, activity: str, unit: str) -> dict:
    row = offer_conversion(log, activity=activity).iloc[0]
    record = {unit: int(row["n"]), "offers": int(row["offers"])}
    record.update(_rate_record(row, "p_value", "expected_offers", "ratio"))
    record["benchmark"] = _number(row["benchmark"])
    record["benchmark_label"] = row["benchmark_label"]
    record["one_in"] = format_one_in(row)
    return record


def _rate_record(row: pd.Series, *extra: str) -> dict:
    """``rate`` and its Wilson interval, plus the named columns of *row*."""
    keys = [k for k in ("n", "responded") if k in extra]
    keys += ["rate", "ci_low", "ci_high"] + [k for k in extra if k not in ("n", "responded")]
    return {k: _number(row[k]) for k in keys}


def _number(value: object) -> int | float | bool | None:
    """A JSON-safe number: numpy scalars unwrapped, NaN and infinity as ``None``."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _cmd_summary(args: argparse.Namespace) -> int:
    log, report = _load(args)
    summary = summarise(log, report, as_of=args.as_of)
    if args.json:
        print(json.dumps(summary, indent=2, default=_json_default))
    else:
        print(format_summary(summary))
    return EXIT_OK


def _json_default(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def format_summary(summary: dict) -> str:
    lines = [
        f"{summary['leads']} leads ({summary['networking']} networking, "
        f"{summary['applications']} applications) from {summary['seekers']} seeker(s)",
    ]
    if summary["date_range"]:
        lines.append(f"contacted {summary['date_range'][0]} to {summary['date_range'][1]}")
    lines.append("")
    lines.append("funnel (leads reaching at least each stage):")
    for stage, n in summary["funnel"].items():
        lines.append(f"  {stage:<15} {n:>6}")
    lines.append("")
    r = summary["response_rate"]
    if r["n"] or r["pending"] or not r["not_recorded"]:
        lines.append(f"responses: {r['responded']} of {r['n']} {_rate_text(r)}"
                     + (f"; {r['pending']} more too recent to judge" if r["pending"] else "")
                     + (f"; {r['not_recorded']} from sheets that record no replies"
                        if r["not_recorded"] else ""))
    else:
        lines.append("responses: not recorded (no reply column or status in this log), "
                     "so no response rate")
    for row in summary["by_channel"] if r["n"] else []:
        flag = "  (few leads: rough)" if row["small_sample"] else ""
        lines.append(f"  {row['channel']:<13} {row['responded']:>5} of {row['n']:<5} "
                     f"{_rate_text(row)}{flag}")
    lines.append("")
    for key, unit, what in (("info_interview_to_offer", "interviews", "informational interviews"),
                            ("application_to_offer", "applications", "applications")):
        c = summary[key]
        lines.append(f"offers from {what}: {c['offers']} of {c[unit]} - {c['one_in']}; "
                     f"benchmark {c['benchmark_label']}"
                     + (f" (exact binomial p = {c['p_value']:.2g})" if c[unit] else ""))
    if summary["referral_yield_by_industry"]:
        lines.append("")
        lines.append("referrals per informational interview, by industry:")
        for row in summary["referral_yield_by_industry"]:
            per = row["per_interview"]
            lines.append(f"  {row['industry']:<20} {row['referrals']:>4} from "
                         f"{row['info_interviews']:<4} interviews"
                         + (f"  ({per:.2f} each)" if per is not None else ""))
    return "\n".join(lines)


def _rate_text(record: dict) -> str:
    if not record.get("n"):
        return "(no leads old enough to judge)"
    return (f"({_percent(record['rate'])}, 95% interval {_percent(record['ci_low'])} to "
            f"{_percent(record['ci_high'])})")


def _percent(share: float) -> str:
    """Whole percents, but a share under 1% keeps a decimal so it does not read as 0%."""
    return f"{share:.1%}" if 0 < share < 0.01 else f"{share:.0%}"


# ---------------------------------------------------------------------------
# charts
# ---------------------------------------------------------------------------
def _cmd_charts(args: argparse.Namespace) -> int:
    return _export(args, "charts")


def _cmd_tables(args: argparse.Namespace) -> int:
    return _export(args, "tables")


def _export(args: argparse.Namespace, what: str) -> int:
    from .export import FORMATS, TABLE_FORMATS

    formats = _formats(args.format, FORMATS if what == "charts" else TABLE_FORMATS)
    log, report = _load(args)
    if log.empty:
        raise ExportError(f"no leads to export: {report.rows_read} rows read, none loaded; run "
                          "'infoview validate' on the same files to see why")
    written = _write(what, log, args.out, formats=formats, anonymise=args.anonymise,
                     k=args.min_group if args.anonymise else None, as_of=args.as_of)
    listed = " (index.md lists them)" if what == "charts" else ""
    print(f"wrote {len(written)} files{listed} to {args.out}/ "
          + (f"(names pseudonymised, groups under {args.min_group} left out)"
             if args.anonymise else "(real names: do not share)"))
    return EXIT_OK


def _formats(text: str, known: Sequence[str]) -> tuple[str, ...]:
    formats = tuple(f.strip().lower().lstrip(".") for f in text.split(",") if f.strip())
    unknown = [f for f in formats if f not in known]
    if unknown or not formats:
        raise ExportError(f"cannot write {', '.join(unknown) or 'nothing'}: use --format with "
                          f"any of {','.join(known)}")
    return formats


def _write(what: str, log: pd.DataFrame, out: Path, **options: object) -> list[Path]:
    """Write the chart pack or the tables into *out*; a folder problem is one clear line."""
    from .export import export_charts, export_tables

    writer = export_charts if what == "charts" else export_tables
    try:
        return writer(log, out, **options)
    except OSError as exc:
        raise ExportError(f"cannot write the {what} to {out}: {exc.strerror or exc}; choose "
                          "another --out folder") from exc


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------
def _cmd_report(args: argparse.Namespace) -> int:
    page = _build_report(args.paths, args.out, hide_input=not args.show_code,
                         timeout=args.timeout)
    print(f"report: {page}\nchart pack: {args.out / 'charts'}/")
    return EXIT_OK


def _build_report(paths: Sequence[Path], out: Path, **options: object) -> Path:
    from .report import build_report  # imports the notebook machinery only when asked

    return build_report(list(paths), out, progress=sys.stderr.isatty(), **options)


# ---------------------------------------------------------------------------
# template and demo
# ---------------------------------------------------------------------------
def _cmd_template(args: argparse.Namespace) -> int:
    from .template import write_template

    out = write_template(args.out, rows=args.rows)
    print(f"wrote {out}")
    return EXIT_OK


def _cmd_demo(args: argparse.Namespace) -> int:
    from .sample import SAMPLE_COHORT_FOLDER, SAMPLE_SEEKER_FILE

    args.out.mkdir(parents=True, exist_ok=True)
    for name, path in (("my_outreach", SAMPLE_SEEKER_FILE), ("cohort", SAMPLE_COHORT_FOLDER)):
        log, report = load_log_with_report(path)
        summary = summarise(log, report)
        (args.out / f"{name}_validation.json").write_text(report.to_json(indent=2))
        (args.out / f"{name}_summary.json").write_text(
            json.dumps(summary, indent=2, default=_json_default))
        print(f"### {name}: {report}")
        print(format_summary(summary))
        print()
        if args.report:
            page = _build_report([path], args.out / name)
            print(f"report: {page}")
        if name == "cohort":
            if not args.report:
                _write("charts", log, args.out / name / "charts", formats=("png", "svg", "pdf"))
            print(f"workshop chart pack: {args.out / name / 'charts'}/")
            tables = _write("tables", log, args.out / name / "tables")
            print(f"tables: {len(tables)} files in {args.out / name / 'tables'}/")
        print()
    print(f"results written to {args.out}/")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
