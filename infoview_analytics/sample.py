"""Seeded, fictitious outreach logs: the bundled sample data and test fixtures.

Three layers, one concern each:

* :func:`generate_log` and :func:`generate_cohort` simulate canonical outreach
  logs (see ``schema.py``) whose rates look like real job searches: channels
  differ in response rate, about one offer per twelve informational
  interviews, about one per two hundred applications, referral chains, and
  leads too recent to have an answer yet.
* :func:`write_messy` writes a canonical log the way people keep it: human
  headers (all taken from ``vocab.FIELD_ALIASES``), Yes/No/Y/N/x cells, a
  title row, a trailing blank row, dates as Excel dates or ``m/d/yyyy`` text.
* :func:`write_sample_data` writes the sample bundled in ``data/``; run
  ``python -m infoview_analytics.sample data`` to regenerate it.

Every name is made up from short first/last name lists; no row describes a
real person or a real company.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.styles import Font

from infoview_analytics import schema
from infoview_analytics.save import save_workbook_reproducibly

__all__ = [
    "generate_log",
    "generate_cohort",
    "write_messy",
    "write_sample_data",
    "SAMPLE_FOLDER",
    "SAMPLE_SEEKER_FILE",
    "SAMPLE_COHORT_FOLDER",
    "SAMPLE_COMBINED_FILE",
]

#: The bundled sample in a source checkout: the repository's ``data/`` folder,
#: as written by :func:`write_sample_data`.
SAMPLE_FOLDER = Path(__file__).resolve().parents[1] / "data"
#: One job seeker's log (networking and applications, title row above the header).
SAMPLE_SEEKER_FILE = SAMPLE_FOLDER / "my_outreach.xlsx"
#: A counselor's cohort, one file per student (.xlsx and .csv).
SAMPLE_COHORT_FOLDER = SAMPLE_FOLDER / "cohort"
#: The same cohort as one sheet with Student and Cohort columns.
SAMPLE_COMBINED_FILE = SAMPLE_FOLDER / "cohort_combined.xlsx"


# ---------------------------------------------------------------------------
# The simulated world: names, industries, channels and their rates.
# ---------------------------------------------------------------------------
_CONTACT_FIRST = (
    "Dana", "Priya", "Marcus", "Elena", "Tomas", "Aisha", "Kenji", "Sofia", "Omar", "Hannah",
    "Luis", "Mei", "Grace", "Tariq", "Nora", "Felix", "Imani", "Ravi", "Clara", "Jonah",
    "Leah", "Mateo", "Yara", "Owen", "Zoe", "Samir", "Ines", "Caleb", "Rosa", "Victor",
)
_CONTACT_LAST = (
    "Albright", "Baptiste", "Castellanos", "Delacroix", "Eastwood", "Fairbanks", "Galloway",
    "Hollister", "Ingram", "Jablonski", "Kowalczyk", "Lindqvist", "Marchetti", "Nakashima",
    "Okonkwo", "Pemberton", "Quintero", "Rasmussen", "Sandoval", "Thornbury", "Underhill",
    "Valdivia", "Whitcombe", "Xiong", "Yamaguchi", "Zeller", "Ashdown", "Brightwater",
    "Coldridge", "Dunmore",
)
_STUDENT_FIRST = (
    "Alex", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn", "Reese",
    "Skyler", "Rowan", "Emerson", "Finley", "Harper", "Kendall", "Logan", "Parker", "Sage",
    "Blake", "Drew", "Elliot", "Hayden", "Jessie", "Kai", "Lane", "Micah", "Noel", "Remy", "Tatum",
)
_STUDENT_LAST = (
    "Rivera", "Brennan", "Calloway", "Dempsey", "Ellery", "Fontaine", "Garrity", "Hadley",
    "Ivers", "Jessup", "Kinsella", "Lockhart", "Mercer", "Nolan", "Ortega", "Prescott",
    "Quayle", "Rourke", "Sinclair", "Tolliver", "Ulrich", "Vance", "Whitlock", "Yardley",
    "Zamora", "Ashby", "Barlow", "Corwin", "Darrow", "Everly",
)


@dataclass(frozen=True)
class _Industry:
    """How one industry behaves in the simulation."""

    weight: float  # share of leads when no industries are given
    referral_rate: float  # mean referrals per informational interview
    companies: tuple[str, ...]
    titles: tuple[str, ...]


_INDUSTRIES: dict[str, _Industry] = {
    "Tech": _Industry(
        0.24, 0.8,
        ("Northwind Analytics", "Bluefin Software", "Quarry Labs", "Lumen Systems",
         "Pixelroot", "Cobalt Cloud"),
        ("Software Engineer", "Product Manager", "Data Scientist", "Engineering Manager"),
    ),
    "Consulting": _Industry(
        0.14, 0.8,
        ("Brightpath Consulting", "Meridian Partners", "Keystone Advisory", "Oakline Group"),
        ("Senior Consultant", "Associate", "Engagement Manager", "Analyst"),
    ),
    "Finance": _Industry(
        0.14, 0.6,
        ("Harborview Capital", "Granite Trust", "Silverline Bank", "Fairmont Securities"),
        ("Investment Analyst", "Associate", "Risk Manager", "Vice President"),
    ),
    "Marketing": _Industry(
        0.10, 0.5,
        ("Loudmouth Media", "Brandwell Agency", "Sparkline Digital"),
        ("Marketing Manager", "Brand Strategist", "Content Lead"),
    ),
    "Healthcare": _Industry(
        0.13, 0.4,
        ("Riverside Health", "Cedar Medical Group", "Healwell Clinics", "Vitalis Labs"),
        ("Clinical Researcher", "Operations Manager", "Health Data Analyst"),
    ),
    "Education": _Industry(
        0.09, 0.3,
        ("Lakeshore School District", "Brightminds Learning", "Summit Prep Academy"),
        ("Program Director", "Curriculum Designer", "Teacher"),
    ),
    "Government": _Industry(
        0.08, 0.2,
        ("State Department of Transit", "City Planning Office", "County Health Agency"),
        ("Policy Analyst", "Program Manager", "Budget Analyst"),
    ),
    "Nonprofit": _Industry(
        0.08, 0.2,
        ("Open Doors Foundation", "Greenway Trust", "Harvest Table Alliance"),
        ("Program Coordinator", "Development Director", "Community Organizer"),
    ),
}


@dataclass(frozen=True)
class _Channel:
    """One outreach channel: how often it is used, how often it is answered."""

    share: float
    response_rate: float
    spellings: tuple[str, ...]  # as people write it; ``vocab.parse_channel`` maps it back


_NETWORKING_CHANNELS: dict[str, _Channel] = {
    "linkedin": _Channel(0.32, 0.14, ("LinkedIn", "LinkedIn message", "LinkedIn InMail")),
    "email": _Channel(0.22, 0.26, ("Cold email", "Email", "E-mail")),
    "alumni": _Channel(0.17, 0.47, ("Alumni network", "Alumni database", "Alumni")),
    "warm_intro": _Channel(0.09, 0.55, ("Warm intro", "Intro from friend", "Mutual friend")),
    "event": _Channel(0.10, 0.38, ("Career fair", "Networking event", "Info session")),
    "phone": _Channel(0.04, 0.28, ("Phone call", "Cold call")),
    "in_person": _Channel(0.06, 0.50, ("In person", "Walk-in")),
}
_APPLICATION_CHANNELS: dict[str, _Channel] = {
    "job_board": _Channel(0.45, 0.15, ("Indeed", "Handshake", "Job board", "Glassdoor")),
    "company_site": _Channel(0.30, 0.22, ("Company website", "Careers page", "Workday")),
    "linkedin": _Channel(0.15, 0.15, ("LinkedIn Easy Apply", "LinkedIn")),
    "recruiter": _Channel(0.10, 0.40, ("Recruiter", "Agency recruiter")),
}
_REFERRED_SPELLINGS = ("Intro from {first}", "Referral", "Warm intro")
_RECRUITER_TITLES = ("Recruiter", "Talent Acquisition Partner", "Campus Recruiter")
_ROLES = ("Data Analyst", "Business Analyst", "Program Coordinator", "Marketing Associate",
          "Operations Analyst", "Junior Developer", "Research Assistant")
_NETWORKING_NOTES = (
    "Asked about team culture", "Suggested I look at their graduate program",
    "Met at alumni panel", "Follow up after their busy season", "Great resume advice",
    "Recommended two books on the industry", "Said to apply in the spring",
)

# Probabilities of the steps after a reply.
_P_INFO = 0.6  # reply -> informational interview (networking)
_P_INFO_REFERRED = 0.75
_P_JOB_INTERVIEW_INFO = (0.22, 0.40)  # info interview -> job interview, (no referral, referral)
_P_OFFER_NETWORKING = 0.37  # networking job interview -> offer
_P_JOB_INTERVIEW_APPLICATION = 0.36  # application reply -> job interview
_P_OFFER_APPLICATION = 0.10  # application job interview -> offer
_P_USE_REFERRAL = 0.6  # a networking lead follows up a referral waiting to be used
_REFERRED_BOOST = 0.15  # extra response probability of a referred lead
_FOLLOWUP_BOOST = 0.04  # extra response probability per follow-up
_MIN_AGE_DAYS = 14  # younger unanswered leads are still open, not "no response"

# Status words per (activity, stage, outcome); "*" serves both activities.
# The first word is the most common; typos sit last, so they stay rare.
_STATUS_WORDS: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("networking", "contacted", "open"): ("Sent", "Reached out", "Waiting"),
    ("application", "contacted", "open"): ("Applied", "Submitted", "Under review"),
    ("*", "contacted", "no_response"): ("No response", "Ghosted", "Never heard back", "No reply"),
    ("*", "contacted", "withdrawn"): ("Withdrew", "Not interested"),
    ("networking", "responded", "open"): ("Replied", "Meeting scheduled", "Recieved reply"),
    ("application", "responded", "open"): ("Heard back", "Recieved reply"),
    ("*", "responded", "declined"): ("Declined", "Said no", "Too busy"),
    ("*", "responded", "rejected"): ("Rejected", "Not selected", "Auto-rejected", "reeejected"),
    ("*", "info_interview", "open"): ("Coffee chat done", "Had call", "Met for coffee",
                                      "Coffe chat done"),
    ("*", "referred", "open"): ("Gave referral", "Intro made", "Referred me"),
    ("*", "job_interview", "open"): ("Phone screen", "Interviewing", "Final round"),
    ("*", "job_interview", "rejected"): ("Rejected", "Not selected", "reeejected"),
    ("*", "job_interview", "withdrawn"): ("Withdrew",),
    ("*", "offer", "offer"): ("Offer", "Offer received", "Accepted offer"),
}

_TERM_MONTHS = {"spring": 1, "winter": 1, "summer": 5, "fall": 9, "autumn": 9}


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    """Choose one option, the first most often (weights 1, 1/4, 1/9, ...)."""
    weights = 1.0 / np.arange(1, len(options) + 1) ** 2
    return options[int(rng.choice(len(options), p=weights / weights.sum()))]


def _unique_names(
    rng: np.random.Generator, n: int, first: Sequence[str], last: Sequence[str]
) -> list[str]:
    """*n* distinct "First Last" names drawn from two short lists."""
    if n > len(first) * len(last):
        raise ValueError(f"cannot make {n} distinct names from {len(first)}x{len(last)} lists")
    codes = rng.choice(len(first) * len(last), size=n, replace=False)
    return [f"{first[c // len(last)]} {last[c % len(last)]}" for c in codes]


def _outreach_dates(
    rng: np.random.Generator, n: int, start: dt.date, weeks: int
) -> list[dt.date]:
    """*n* sorted outreach dates in *weeks* weeks: busy and quiet weeks, mostly weekdays.

    The last lead always falls in the final week, so the seeker is active
    until the end of the outreach window.
    """
    week_weights = rng.gamma(2.0, size=weeks)
    week = rng.choice(weeks, size=n, p=week_weights / week_weights.sum())
    week[-1] = weeks - 1
    weekday = rng.choice(7, size=n, p=[0.2, 0.2, 0.2, 0.2, 0.12, 0.04, 0.04])
    days = 7 * np.asarray(week) + np.asarray(weekday)
    return sorted(start + dt.timedelta(days=int(d)) for d in days)


def _after(rng: np.random.Generator, day: dt.date, least: int, typical: float) -> dt.date:
    """A date at least *least* days after *day*, typically *typical* more."""
    return day + dt.timedelta(days=least + int(rng.poisson(typical)))


def _furthest_stage(row: dict) -> str:
    """The furthest stage the booleans and the referral count reach."""
    if row["offer"]:
        return "offer"
    if row["job_interview"]:
        return "job_interview"
    if row["referrals"] > 0:
        return "referred"
    if row["info_interview"]:
        return "info_interview"
    return "responded" if row["responded"] else "contacted"


def _status_word(rng: np.random.Generator, activity: str, stage: str, outcome: str) -> str:
    words = _STATUS_WORDS.get((activity, stage, outcome)) or _STATUS_WORDS[("*", stage, outcome)]
    return _pick(rng, words)


# ---------------------------------------------------------------------------
# One lead.
# ---------------------------------------------------------------------------
@dataclass
class _Seeker:
    """What one simulated seeker carries from lead to lead."""

    rng: np.random.Generator
    as_of: dt.date
    engagement: float
    industries: tuple[str, ...]
    industry_p: np.ndarray
    names: list[str]
    open_referrals: list[tuple[dt.date, str]]  # (usable from, referrer) one per referral

    def next_name(self) -> str:
        return self.names.pop()

    def industry(self) -> str:
        return self.industries[int(self.rng.choice(len(self.industries), p=self.industry_p))]

    def happened(self, day: dt.date | None) -> dt.date | None:
        """*day* if it is on or before the as-of date, else ``None`` (not yet)."""
        return day if day is not None and day <= self.as_of else None

    def take_referral(self, day: dt.date) -> str | None:
        """The referrer of a referral usable on *day*, or ``None`` for a cold lead."""
        usable = [i for i, (start, _) in enumerate(self.open_referrals) if start <= day]
        if not usable or self.rng.random() >= _P_USE_REFERRAL:
            return None
        return self.open_referrals.pop(usable[int(self.rng.integers(len(usable)))])[1]


def _choose_channel(rng: np.random.Generator, channels: dict[str, _Channel]) -> str:
    names = list(channels)
    shares = np.array([channels[c].share for c in names])
    return names[int(rng.choice(len(names), p=shares / shares.sum()))]


def _followups(rng: np.random.Generator, day: dt.date, as_of: dt.date) -> int:
    """0-2 follow-ups, at most one per week since the first contact."""
    return min(int(rng.choice(3, p=[0.5, 0.33, 0.17])), (as_of - day).days // 7)


def _unanswered_outcome(rng: np.random.Generator, day: dt.date, as_of: dt.date) -> str:
    if (as_of - day).days < _MIN_AGE_DAYS:
        return "open"
    return "no_response" if rng.random() < 0.75 else "open"


def _networking_lead(s: _Seeker, day: dt.date) -> dict:
    rng = s.rng
    referrer = s.take_referral(day)
    if referrer is None:
        channel = _choose_channel(rng, _NETWORKING_CHANNELS)
        channel_raw = _pick(rng, _NETWORKING_CHANNELS[channel].spellings)
    else:
        channel = "warm_intro"
        first = referrer.split()[0]
        channel_raw = _pick(rng, _REFERRED_SPELLINGS).format(first=first)
    industry = s.industry()
    followups = _followups(rng, day, s.as_of)
    p_respond = _NETWORKING_CHANNELS[channel].response_rate + _FOLLOWUP_BOOST * followups
    p_respond = min(0.95, (p_respond + _REFERRED_BOOST * (referrer is not None)) * s.engagement)
    p_info = _P_INFO_REFERRED if referrer else _P_INFO

    responded_on = info_on = ji_on = offer_on = None
    referrals = 0
    if rng.random() < p_respond:
        responded_on = s.happened(_after(rng, day, 1, 4))
    if responded_on and rng.random() < p_info:
        info_on = s.happened(_after(rng, responded_on, 2, 7))
    if info_on:
        referrals = min(3, int(rng.poisson(_INDUSTRIES[industry].referral_rate)))
        p_ji = _P_JOB_INTERVIEW_INFO[referrals > 0] * s.engagement
        if rng.random() < p_ji:
            ji_on = s.happened(_after(rng, info_on, 7, 7))
    if ji_on and rng.random() < _P_OFFER_NETWORKING:
        offer_on = s.happened(_after(rng, ji_on, 7, 7))

    contact = s.next_name()
    s.open_referrals.extend((info_on + dt.timedelta(days=1), contact) for _ in range(referrals))
    return {
        "activity": "networking",
        "contact": contact,
        "contact_title": _pick(rng, _INDUSTRIES[industry].titles),
        "company": _pick(rng, _INDUSTRIES[industry].companies),
        "industry": industry,
        "channel": channel,
        "channel_raw": channel_raw,
        "referred_by": referrer,
        "contacted_on": day,
        "followups": followups,
        "responded": responded_on is not None,
        "responded_on": responded_on,
        "info_interview": info_on is not None,
        "info_interview_on": info_on,
        "thank_you": info_on is not None and rng.random() < 0.85,
        "referrals": referrals,
        "job_interview": ji_on is not None,
        "offer": offer_on is not None,
        "outcome": _networking_outcome(s, day, responded_on, info_on, ji_on, offer_on),
        "notes": _pick(rng, _NETWORKING_NOTES) if info_on and rng.random() < 0.5 else None,
    }


def _networking_outcome(
    s: _Seeker,
    day: dt.date,
    responded_on: dt.date | None,
    info_on: dt.date | None,
    ji_on: dt.date | None,
    offer_on: dt.date | None,
) -> str:
    """Final disposition of a networking lead: contacts decline, employers reject."""
    if offer_on:
        return "offer"
    if ji_on:
        decided = s.happened(_after(s.rng, ji_on, 7, 10))
        return "rejected" if decided and s.rng.random() < 0.6 else "open"
    if info_on:
        return "open"
    if responded_on:
        return "declined" if s.rng.random() < 0.4 else "open"
    return _unanswered_outcome(s.rng, day, s.as_of)


def _application_lead(s: _Seeker, day: dt.date) -> dict:
    rng = s.rng
    channel = _choose_channel(rng, _APPLICATION_CHANNELS)
    industry = s.industry()
    has_recruiter = channel == "recruiter" or rng.random() < 0.1
    p_respond = min(0.95, _APPLICATION_CHANNELS[channel].response_rate * s.engagement)

    responded_on = ji_on = offer_on = None
    if rng.random() < p_respond:
        responded_on = s.happened(_after(rng, day, 3, 10))
    if responded_on and rng.random() < _P_JOB_INTERVIEW_APPLICATION * s.engagement:
        ji_on = s.happened(_after(rng, responded_on, 0, 5))
    if ji_on and rng.random() < _P_OFFER_APPLICATION:
        offer_on = s.happened(_after(rng, ji_on, 7, 10))
    return {
        "activity": "application",
        "contact": s.next_name() if has_recruiter else None,
        "contact_title": _pick(rng, _RECRUITER_TITLES) if has_recruiter else None,
        "company": _pick(rng, _INDUSTRIES[industry].companies),
        "industry": industry,
        "channel": channel,
        "channel_raw": _pick(rng, _APPLICATION_CHANNELS[channel].spellings),
        "referred_by": None,
        "contacted_on": day,
        "followups": _followups(rng, day, s.as_of) if has_recruiter else 0,
        "responded": responded_on is not None,
        "responded_on": responded_on,
        "info_interview": False,
        "info_interview_on": None,
        "thank_you": ji_on is not None and rng.random() < 0.5,
        "referrals": 0,
        "job_interview": ji_on is not None,
        "offer": offer_on is not None,
        "outcome": _application_outcome(s, day, responded_on, ji_on, offer_on),
        "notes": f"Applied for {_pick(rng, _ROLES)}" if rng.random() < 0.4 else None,
    }


def _application_outcome(
    s: _Seeker,
    day: dt.date,
    responded_on: dt.date | None,
    ji_on: dt.date | None,
    offer_on: dt.date | None,
) -> str:
    """Final disposition of an application: most replies are rejections."""
    if offer_on:
        return "offer"
    if ji_on:
        decided = s.happened(_after(s.rng, ji_on, 7, 10))
        return str(s.rng.choice(["rejected", "withdrawn"], p=[0.85, 0.15])) if decided else "open"
    if responded_on:
        return "rejected" if s.rng.random() < 0.85 else "open"
    if s.rng.random() < 0.03:
        return "withdrawn"
    return _unanswered_outcome(s.rng, day, s.as_of)


# ---------------------------------------------------------------------------
# Public generators.
# ---------------------------------------------------------------------------
def _industry_weights(industries: Sequence[str] | None) -> tuple[tuple[str, ...], np.ndarray]:
    names = tuple(_INDUSTRIES) if industries is None else tuple(industries)
    unknown = sorted(set(names) - set(_INDUSTRIES))
    if unknown or not names:
        raise ValueError(
            f"unknown industries {unknown}; choose from {', '.join(_INDUSTRIES)}"
        )
    weights = np.array([_INDUSTRIES[n].weight for n in names])
    return names, weights / weights.sum()


def generate_log(
    n_leads: int = 150,
    *,
    seed: int = 2024,
    seeker: str = "Alex Rivera",
    cohort: str | None = None,
    start: str | dt.date = "2025-01-06",
    weeks: int = 16,
    application_share: float = 0.35,
    industries: Sequence[str] | None = None,
    as_of: str | dt.date | None = None,
    engagement: float = 1.0,
) -> pd.DataFrame:
    """Simulate one job seeker's outreach log (networking and applications).

    Parameters
    ----------
    n_leads : int
        Number of leads (rows).
    seed : int
        Seed of :func:`numpy.random.default_rng`; the same seed gives the same log.
    seeker : str
        The job seeker's name, written to ``seeker``.
    cohort : str, optional
        Written to ``cohort`` (missing when ``None``).
    start : str or datetime.date
        First day of outreach.
    weeks : int
        Length of the outreach window in weeks; the last lead falls in its final week.
    application_share : float
        Expected share of leads that are applications rather than networking.
    industries : sequence of str, optional
        Industries to draw from (default: all of ``Tech, Consulting, Finance,
        Marketing, Healthcare, Education, Government, Nonprofit``).
    as_of : str or datetime.date, optional
        The day the log is looked at (default: the last day of the window).
        Replies, meetings and offers due after it have not happened yet, so
        recent leads are pending. A later *as_of* makes a stalled seeker.
    engagement : float
        Multiplies response and interview probabilities (a seeker's or a
        cohort's traction); 1 gives the calibrated rates.

    Raises
    ------
    ValueError
        For no leads or weeks, more than 900 leads (the contact name lists
        run out), an unknown industry, or an *as_of* inside the window.

    Returns
    -------
    pandas.DataFrame
        A canonical log (:func:`infoview_analytics.schema.conform`), one row
        per lead in contact-date order. Booleans are ``False`` where a stage
        was not reached; ``stage`` is the furthest stage, ``status_raw`` a
        human status word that says the same, ``channel_raw`` a human
        spelling of ``channel``; ``source_*`` columns are missing.

    Examples
    --------
    >>> log = generate_log(40, seed=7)
    >>> len(log), log["seeker"].unique().tolist()
    (40, ['Alex Rivera'])
    >>> bool((log["offer"] <= log["job_interview"]).all())
    True
    """
    return _as_log(
        _log_rows(
            n_leads, seed=seed, seeker=seeker, cohort=cohort, start=start, weeks=weeks,
            application_share=application_share, industries=industries, as_of=as_of,
            engagement=engagement,
        )
    )


def _log_rows(
    n_leads: int,
    *,
    seed: int | np.random.SeedSequence,
    seeker: str,
    cohort: str | None,
    start: str | dt.date,
    weeks: int,
    application_share: float,
    industries: Sequence[str] | None,
    as_of: str | dt.date | None,
    engagement: float,
) -> list[dict]:
    """The rows of :func:`generate_log`, before :func:`_as_log`."""
    if n_leads < 1 or weeks < 1:
        raise ValueError(f"need at least one lead and one week, not {n_leads} and {weeks}")
    rng = np.random.default_rng(seed)
    first_day = pd.Timestamp(start).date()
    last_day = first_day + dt.timedelta(days=7 * weeks - 1)
    as_of_day = last_day if as_of is None else pd.Timestamp(as_of).date()
    if as_of_day < last_day:
        raise ValueError(f"as_of {as_of_day} is before the last day of outreach, {last_day}")
    names, industry_p = _industry_weights(industries)
    state = _Seeker(
        rng=rng,
        as_of=as_of_day,
        engagement=engagement,
        industries=names,
        industry_p=industry_p,
        names=_unique_names(rng, n_leads, _CONTACT_FIRST, _CONTACT_LAST),
        open_referrals=[],
    )
    rows = []
    for day in _outreach_dates(rng, n_leads, first_day, weeks):
        lead = _application_lead if rng.random() < application_share else _networking_lead
        row = {"seeker": seeker, "cohort": cohort, **lead(state, day)}
        row["stage"] = _furthest_stage(row)
        row["status_raw"] = _status_word(rng, row["activity"], row["stage"], row["outcome"])
        rows.append(row)
    return rows


def _as_log(rows: list[dict]) -> pd.DataFrame:
    """Simulated rows as a canonical log, every column with its declared dtype."""
    # object columns, so conform() gives missing text as <NA> (not NaN)
    log = schema.conform(pd.DataFrame(rows, dtype=object))
    return log


def _term_start(cohort: str, index: int) -> dt.date:
    """First Monday of a term named like "2025 Fall"; otherwise 26 weeks per cohort index."""
    year = re.search(r"\b(19|20)\d\d\b", cohort)
    season = next((m for word, m in _TERM_MONTHS.items() if word in cohort.lower()), None)
    if year is None or season is None:
        return dt.date(2025, 1, 6) + dt.timedelta(weeks=26 * index)
    first = dt.date(int(year.group()), season, 1)
    return first + dt.timedelta(days=(7 - first.weekday()) % 7)


def generate_cohort(
    n_students: int = 60,
    *,
    seed: int = 2024,
    cohorts: Sequence[str] = ("2024 Fall", "2025 Spring", "2025 Fall"),
    leads_per_student: tuple[int, int] = (15, 60),
    weeks: int = 16,
) -> pd.DataFrame:
    """Simulate a counselor's cohort: many seekers, each with a :func:`generate_log` log.

    Students are spread evenly over *cohorts*; each cohort runs for *weeks*
    weeks from the start of its term ("2025 Fall" starts on the first Monday of
    September 2025). Students differ in activity (most send few leads, a few
    many), industries, application share and traction; about one in eight
    stalls: no outreach in at least the last four weeks of the term. Later
    cohorts do slightly better (engagement 0.9 to 1.1).

    Parameters
    ----------
    n_students : int
        Number of students; names are fictitious and distinct.
    seed : int
        Seed of :func:`numpy.random.default_rng`.
    cohorts : sequence of str
        Cohort names, written to ``cohort``.
    leads_per_student : (int, int)
        Fewest and most leads one student logs.
    weeks : int
        Length of each cohort's term in weeks.

    Returns
    -------
    pandas.DataFrame
        One canonical log: the students' logs stacked, ``seeker`` and
        ``cohort`` filled, index 0..n-1.

    Examples
    --------
    >>> cohort = generate_cohort(9, seed=3, leads_per_student=(5, 10))
    >>> cohort.groupby("cohort", observed=True)["seeker"].nunique().tolist()
    [3, 3, 3]
    """
    rng = np.random.default_rng(seed)
    student_seeds = np.random.SeedSequence(seed).spawn(n_students)  # independent streams
    names = _unique_names(rng, n_students, _STUDENT_FIRST, _STUDENT_LAST)
    lo, hi = leads_per_student
    cohort_engagement = np.linspace(0.9, 1.1, len(cohorts)) if len(cohorts) > 1 else [1.0]
    rows: list[dict] = []
    for i, name in enumerate(names):
        k = i % len(cohorts)
        start = _term_start(cohorts[k], k)
        stalled_weeks = int(rng.integers(4, 9)) if rng.random() < 0.125 else 0
        picked = rng.choice(len(_INDUSTRIES), size=int(rng.integers(2, 5)), replace=False)
        rows.extend(
            _log_rows(
                int(lo + (hi - lo) * rng.beta(1.3, 2.5)),
                seed=student_seeds[i],
                seeker=name,
                cohort=cohorts[k],
                start=start,
                weeks=weeks - stalled_weeks,
                as_of=start + dt.timedelta(days=7 * weeks - 1),
                application_share=float(rng.uniform(0.1, 0.6)),
                industries=[list(_INDUSTRIES)[j] for j in sorted(picked)],
                engagement=float(cohort_engagement[k] * rng.lognormal(0.0, 0.1)),
            )
        )
    log = _as_log(rows)
    log["cohort"] = log["cohort"].cat.set_categories(list(cohorts))
    return log


# ---------------------------------------------------------------------------
# Writing logs the way people keep them.
# ---------------------------------------------------------------------------
#: Header spellings per canonical column, the usual one first. Each one,
#: squashed, is an alias of that column in ``vocab.FIELD_ALIASES`` only.
_HEADERS: dict[str, tuple[str, ...]] = {
    "seeker": ("Student", "Student name"),
    "cohort": ("Cohort", "Class", "Program"),
    "contacted_on": ("Date contacted", "Date", "Contact date", "Outreach date"),
    "activity": ("Type", "Lead type", "Outreach type"),
    "company": ("Company", "Organization", "Employer", "Company name"),
    "contact": ("Contact Name", "Contact", "Person contacted"),
    "contact_title": ("Contact title", "Their title", "Their role"),
    "industry": ("Industry", "Sector"),
    "channel_raw": ("How contacted", "Channel", "Contact method", "Outreach method"),
    "referred_by": ("Referred by", "Introduced by"),
    "followups": ("Follow-ups", "Number of follow-ups", "Follow ups sent"),
    "responded": ("Responded?", "Heard back?", "Reply"),
    "responded_on": ("Response date", "Date responded"),
    "info_interview": ("Coffee chat", "Informational interview", "Info interview"),
    "info_interview_on": ("Meeting date", "Coffee chat date", "Info interview date"),
    "thank_you": ("Thank-you sent", "Thank you note"),
    "referrals": ("Referrals", "# Referrals", "Intros"),
    "job_interview": ("Interview", "Job interview", "Got interview"),
    "offer": ("Offer", "Offer received"),
    "status_raw": ("Status", "Current status"),
    "notes": ("Notes", "Comments"),
}
_YES_NO = (("Yes", "No"), ("Y", "N"), ("x", None), ("yes", "no"))
_ACTIVITY_WORDS = (("Networking", "Application"), ("Coffee chat", "Job application"),
                   ("Informational", "Applied"))
_TITLES = ("{seeker} - job search tracker", "Networking log ({seeker})", "Outreach {year}")
_FIXED_TIME = dt.datetime(2025, 1, 1)
_STYLES = ("seeker", "counselor")


def _human_table(log: pd.DataFrame, rng: np.random.Generator, style: str) -> pd.DataFrame:
    """The log as a person would type it: chosen headers, yes/no words, no derived columns."""
    yes, no = _YES_NO[int(rng.integers(len(_YES_NO)))]
    networking, application = _ACTIVITY_WORDS[int(rng.integers(len(_ACTIVITY_WORDS)))]
    columns = {}
    for field, headers in _HEADERS.items():
        header = _pick(rng, headers)
        values = log[field]
        if field == "seeker" and style != "counselor":
            continue
        if field != "activity" and values.isna().all():
            continue
        if field in schema.BOOL_COLUMNS:
            values = values.map({True: yes, False: no})
        elif field == "activity":
            values = values.map({"networking": networking, "application": application})
        columns[header] = values.astype("object").where(values.notna(), None)
    return pd.DataFrame(columns)


def _cell(value: object) -> object:
    """A cell value for openpyxl: plain Python types, dates as dates."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if isinstance(value, np.generic) else value


def _text(value: object) -> str:
    """A CSV cell: dates as m/d/yyyy, missing as empty."""
    if value is None:
        return ""
    if isinstance(value, pd.Timestamp):
        return f"{value.month}/{value.day}/{value.year}"
    return str(value)


def _write_xlsx(table: pd.DataFrame, path: Path, preamble: list[list[str]]) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Outreach"
    for row in preamble:
        sheet.append(row)
    sheet.append(list(table.columns))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    header_row = sheet.max_row
    for row in table.itertuples(index=False):
        sheet.append([_cell(v) for v in row])
    for col in sheet.iter_cols(min_row=header_row + 1):
        for cell in col:
            if cell.is_date:
                cell.number_format = "m/d/yyyy"
    sheet.append([" "])  # a trailing row that only looks blank
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    save_workbook_reproducibly(workbook, path, creator="infoview-analytics sample")


def _write_csv(table: pd.DataFrame, path: Path, preamble: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerows(preamble)
        writer.writerow(table.columns)
        writer.writerows([_text(v) for v in row] for row in table.itertuples(index=False))
        writer.writerow([""] * len(table.columns))  # trailing blank row


def write_messy(
    log: pd.DataFrame,
    path: str | Path,
    *,
    seed: int = 0,
    style: str = "seeker",
    title: bool | None = None,
) -> Path:
    """Write a canonical log as a realistic, human-kept spreadsheet.

    The format follows the suffix: ``.xlsx`` (real Excel dates) or ``.csv``
    (dates as ``m/d/yyyy`` text). The seed chooses, per file, header spellings
    (all aliases the loader knows), how yes/no is written (Yes/No, Y/N,
    x/blank, yes/no) and the activity words. Every file ends with a row that only looks
    blank. ``stage``, ``outcome`` and ``source_*`` are not written (the loader
    derives them); ``channel`` is written as ``channel_raw``.

    Parameters
    ----------
    log : pandas.DataFrame
        A canonical log, e.g. from :func:`generate_log`.
    path : str or pathlib.Path
        Where to write; the suffix must be ``.xlsx`` or ``.csv``.
    seed : int
        Seed for the choices above.
    style : {"seeker", "counselor"}
        ``"seeker"``: one person's own log, no Student column, sometimes a
        title row. ``"counselor"``: a combined sheet, Student (and Cohort)
        columns, no title row.
    title : bool, optional
        Whether a title row and a blank row sit above the header (a seeker's
        file only); by default the seed decides (three files in five).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> write_messy(generate_log(10, seed=1), folder / "log.csv", seed=2).name
    'log.csv'
    """
    path = Path(path)
    if style not in _STYLES:
        raise ValueError(f"style must be one of {_STYLES}, not {style!r}")
    if style == "seeker" and log["seeker"].nunique() > 1:
        raise ValueError("style='seeker' writes one person's log; use style='counselor'")
    writers = {".xlsx": _write_xlsx, ".csv": _write_csv}
    if path.suffix.lower() not in writers:
        raise ValueError(f"cannot write {path.name}: use a .xlsx or .csv file name")
    rng = np.random.default_rng(seed)
    table = _human_table(log, rng, style)
    preamble: list[list[str]] = []
    with_title = rng.random() < 0.6 if title is None else title
    if style == "seeker" and with_title:
        seeker = log["seeker"].dropna()
        dates = log["contacted_on"].dropna()
        title = _pick(rng, _TITLES).format(
            seeker=seeker.iloc[0] if len(seeker) else "My",
            year=dates.min().year if len(dates) else "",
        )
        preamble = [[title], []]
    writers[path.suffix.lower()](table, path, preamble)
    return path


# ---------------------------------------------------------------------------
# The bundled sample.
# ---------------------------------------------------------------------------
_README = """\
# Sample data

Every file here is fictitious: generated by `infoview_analytics.sample` with
seed {seed}. Names of job seekers, contacts and companies are made up from short
lists; no row describes a real person. Regenerate (byte-identical CSVs; xlsx
files with fixed properties and timestamps) with

    python -m infoview_analytics.sample data

- `my_outreach.xlsx`: one job seeker's log ({seeker}), {n_log} leads over 16
  weeks, networking and applications mixed, with a Type column. A title row
  and a blank row sit above the header; status words are as people type them
  (a few misspelled); the last row only looks blank.
- `cohort/`: a counselor's cohort, one file per student ({n_students} students:
  {n_xlsx} .xlsx and {n_csv} .csv), each named after the student and with a
  Cohort column ({cohorts}); {n_cohort} leads in all.
- `cohort_combined.xlsx`: the same cohort in one sheet, with Student and
  Cohort columns.

Headers vary from file to file ("Date contacted", "Contact Name", "How
contacted", "Responded?", "Coffee chat", "Referrals", "Interview", "Offer",
"Status", ...), and so do yes/no cells (Yes/No, Y/N, x/blank). The
loader maps them all without a mapping file. Rates are calibrated to look like
real searches: warm introductions and alumni answer far more often than cold
LinkedIn messages, about one offer per twelve informational interviews, about
one per two hundred applications; some students stalled (no outreach in the
last weeks of their term).
"""


def write_sample_data(folder: str | Path = "data", *, seed: int = 2024) -> list[Path]:
    """Write the bundled sample: one seeker's log, a cohort as files, and as one sheet.

    Parameters
    ----------
    folder : str or pathlib.Path
        Output folder (created if needed). Writes ``my_outreach.xlsx``,
        ``cohort/<Student Name>.xlsx|.csv``, ``cohort_combined.xlsx`` and
        ``README.md``.
    seed : int
        Seed for every generator and writer.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    folder = Path(folder)
    cohort_folder = folder / SAMPLE_COHORT_FOLDER.name
    cohort_folder.mkdir(parents=True, exist_ok=True)
    log = generate_log(seed=seed)
    written = [write_messy(log, folder / SAMPLE_SEEKER_FILE.name, seed=seed, title=True)]
    cohort = generate_cohort(seed=seed)
    rng = np.random.default_rng(seed)
    suffixes = []
    for name, student in cohort.groupby("seeker", sort=True):
        suffix = ".csv" if rng.random() < 0.2 else ".xlsx"
        suffixes.append(suffix)
        path = cohort_folder / f"{name}{suffix}"
        written.append(write_messy(student, path, seed=int(rng.integers(2**32))))
    written.append(
        write_messy(cohort, folder / SAMPLE_COMBINED_FILE.name, seed=seed, style="counselor")
    )
    readme = folder / "README.md"
    readme.write_text(
        _README.format(
            seed=seed,
            seeker=log["seeker"].iloc[0],
            n_log=len(log),
            n_students=cohort["seeker"].nunique(),
            n_xlsx=suffixes.count(".xlsx"),
            n_csv=suffixes.count(".csv"),
            cohorts=", ".join(cohort["cohort"].cat.categories),
            n_cohort=len(cohort),
        ),
        encoding="utf-8",
    )
    return [*written, readme]


if __name__ == "__main__":
    for _path in write_sample_data(sys.argv[1] if len(sys.argv) > 1 else "data"):
        print(_path)
