"""The words people write in outreach logs, and what they mean.

Three vocabularies live here: header aliases (which source column is which
canonical field), yes/no cells, and status text (which stage and outcome a
status word implies). Matching is case- and punctuation-insensitive through
:func:`squash`; common typos are folded by collapsing repeated letters.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "squash_index",
    "squash",
    "FIELD_ALIASES",
    "YES",
    "NO",
    "MISSING",
    "parse_yes_no",
    "StatusMeaning",
    "parse_status",
    "parse_channel",
    "parse_activity",
]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_REPEATS = re.compile(r"([a-z])\1{2,}")


def squash(text: object) -> str:
    """Lower-case *text*, turn punctuation into single spaces, fold 3+ repeated letters.

    Examples
    --------
    >>> squash("  Recieved Response?")
    'recieved response'
    >>> squash("reeejected")
    'rejected'
    >>> squash("HR/ Recruiter Call")
    'hr recruiter call'
    """
    try:
        return _squash_seen(text)
    except TypeError:  # unhashable
        return _squash(text)


def _squash(text: object) -> str:
    s = str(text).lower().replace("&", " and ").replace("'", "").replace("\u2019", "")
    s = _REPEATS.sub(r"\1", s)
    return _NON_ALNUM.sub(" ", s).strip()


# A sheet's distinct values are squashed by the column planner, the row classifier and
# the vocabulary parsers in turn; typed, so that 1, 1.0 and True stay apart.
_squash_seen = functools.lru_cache(maxsize=1 << 16, typed=True)(_squash)


def squash_index(texts: Sequence[str], keys: Sequence[str]) -> np.ndarray:
    """Where each of many strings' :func:`squash` is in *keys* (-1: not there).

    Arrow's string kernels squash them in one pass each and compare there, so no
    squashed string is made in Python; for plain ASCII with no letter three times in a
    row they do exactly what :func:`squash` does, and the rest go through it. Under
    :data:`_FEW` strings, :func:`squash` one by one is quicker than the kernels' calls.

    >>> squash_index(["  Recieved Response?", "R&D", "Café", "reeejected"] * 100,
    ...              ["rejected", "r and d", "caf"])[:4].tolist()
    [-1, 1, 2, 0]
    """
    values = None
    if len(texts) >= _FEW:
        with contextlib.suppress(UnicodeError, pa.ArrowException):  # lone surrogates
            values = pa.array(texts, pa.string())
    position = {key: k for k, key in enumerate(keys)}
    if values is None:
        return np.fromiter((position.get(squash(t), -1) for t in texts), dtype=np.intp,
                           count=len(texts))
    lowered = pc.replace_substring(pc.replace_substring(pc.ascii_lower(values), "&", " and "),
                                   "'", "")
    plain = pc.and_(pc.string_is_ascii(values),
                    pc.invert(pc.match_substring_regex(lowered, _TRIPLE_LETTER)))
    squashed = pc.utf8_trim(pc.replace_substring_regex(lowered, "[^0-9a-z]+", " "), " ")
    found = pc.fill_null(pc.index_in(squashed, value_set=pa.array(list(keys), pa.string())), -1)
    out = found.to_numpy(zero_copy_only=False).astype(np.intp)
    for i in np.flatnonzero(~plain.to_numpy(zero_copy_only=False)):
        out[i] = position.get(squash(texts[i]), -1)
    return out


_TRIPLE_LETTER = "|".join(c * 3 for c in "abcdefghijklmnopqrstuvwxyz")
_FEW = 256  #: the Arrow calls cost about 0.1 ms in all, squash 1-3 us a string


# ---------------------------------------------------------------------------
# Header aliases. Keys are canonical columns or *signals* the normaliser
# combines into canonical columns (``stage_*`` flags, ``contact_first`` ...).
# Every alias is written already squashed.
# ---------------------------------------------------------------------------
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "seeker": (
        "seeker", "job seeker", "student", "student name", "name of student", "students",
        "owner", "contacted by", "sender", "student id", "participant",
    ),
    "cohort": (
        "cohort", "class", "class year", "cohort name", "group", "workshop", "section",
        "program", "programme", "term", "graduating class",
    ),
    "activity": (
        "activity", "lead type", "outreach type", "type of outreach", "kind", "type",
        "networking or application", "category of outreach",
    ),
    "contact": (
        "contact", "name", "contact name", "full name", "person", "point of contact",
        "target name", "who", "person contacted", "contact person", "interviewee",
        "networking contact", "recruiter name", "hiring manager name", "poc",
    ),
    "contact_first": ("first name", "firstname", "given name", "first"),
    "contact_last": ("last name", "lastname", "surname", "family name", "last"),
    "contact_title": (
        "contact title", "title", "position", "their title", "target title", "contact role",
        "contact position", "job title of contact", "headline", "their role",
    ),
    "company": (
        "company", "company name", "firm", "organisation", "organization", "employer",
        "target company", "org", "business", "company website", "company name website",
        "institution", "agency",
    ),
    "industry": ("industry", "sector", "field", "industry sector", "line of business"),
    "channel": (
        "channel", "source", "how contacted", "method", "contact method", "outreach channel",
        "applied where", "applied via", "applied through", "platform", "medium", "via",
        "where applied", "how applied", "outreach method", "connection type", "channel raw",
    ),
    "referred_by": (
        "referred by", "referral from", "referrer", "introduced by", "intro from",
        "introduction from", "connected through", "via whom", "who referred",
    ),
    "contacted_on": (
        "contacted on", "date", "date contacted", "contact date", "date sent", "sent",
        "sent at", "sent on", "outreach date", "date reached out", "first contact",
        "date of outreach", "date applied", "applied date", "application date", "applied on",
        "app submitted date", "submitted", "date submitted", "connected on", "day message sent",
        "message sent", "date of first contact", "first contacted", "applied",
    ),
    "followups": (
        "followups", "follow ups", "follow up", "followed up", "follow up date",
        "follow up sent", "number of follow ups", "follow ups sent", "followup date",
        "follow up 1", "follow up 2", "follow up 3", "follow up 1 date", "follow up 2 date",
        "second follow up", "first follow up", "nudge", "reminder sent",
    ),
    "responded": (
        "responded", "response", "replied", "reply", "received response",
        "recieved response", "got response",
        "response received", "heard back", "response yes no", "did they respond",
        "any response", "got a reply",
    ),
    "responded_on": (
        "responded on", "response date", "date responded", "reply date", "date of response",
        "date replied", "replied on", "heard back on",
    ),
    "info_interview": (
        "info interview", "informational interview", "informational", "coffee chat",
        "meeting held", "had call", "call held", "met", "meeting", "chat", "info call",
        "informational interview held", "info interview held", "had meeting", "spoke",
        "interviewed them",
    ),
    "info_interview_on": (
        "info interview on", "info interview date", "informational interview date",
        "meeting date", "call date", "coffee chat date", "date of meeting", "chat date",
        "date of informational interview", "date met",
    ),
    "thank_you": (
        "thank you", "thank you sent", "thank you note", "thanked", "thank you note sent",
        "sent thank you", "ty sent", "thank you email",
    ),
    "referrals": (
        "referrals", "referral", "referrals given", "referrals made", "new contacts",
        "number of referrals", "people referred", "introductions", "intros", "referred to",
        "got referral",
    ),
    "job_interview": (
        "job interview", "interview", "interviewed", "interviews", "job interviews",
        "got interview", "interview y n",
    ),
    "offer": ("offer", "offers", "job offer", "got offer", "offer received", "offered"),
    # Status-like text columns: each is read with the status vocabulary.
    "status_raw": (
        "status", "status raw", "current status", "application status", "state", "progress",
        "lead status", "outreach status",
    ),
    "stage": ("stage", "current stage", "pipeline stage", "furthest stage"),
    "outcome": ("outcome", "result", "final outcome", "disposition", "decision", "results"),
    "notes": (
        "notes", "note", "comments", "comment", "remarks", "notes from the conversation",
        "what i learned", "takeaways", "conversation notes", "follow up notes", "details",
        "message", "message text",
    ),
    # Signals combined into canonical columns by the normaliser.
    "stage_history": ("stage history", "status history", "history", "timeline"),
    "contacted_flag": (
        "have contacted", "contacted", "reached out", "sent yes no", "message sent yes no",
        "outreach sent", "did i reach out",
    ),
    "stage_responded": (
        "hr recruiter call", "recruiter call", "recruiter screen call", "recruiter",
        "coding challenge", "online assessment", "oa", "assessment", "take home",
        "hr call", "made contact", "screening call",
    ),
    "stage_job_interview": (
        "phone", "phone screen", "phone interview", "onsite", "on site", "on campus",
        "hiring manager", "technical interview", "technical interview assessment",
        "panel interview", "final round", "final interview", "first round", "second round",
        "tech screen", "video interview", "superday", "total interviews", "interview count",
        "number of interviews", "interview rounds",
    ),
    "stage_rejected": ("auto rejected", "rejected", "rejection", "declined by employer"),
    "stage_open": ("in progress", "ongoing", "still open", "active"),
    "direction": ("direction",),
    "from_party": ("from",),
    "to_party": ("to",),
    # Posting columns: kept as extra_ columns, but they mark a sheet as applications.
    "posting": (
        "job title", "role", "role name", "job", "job name", "position applied", "posting",
        "job listing", "job link", "job url", "job description link", "application url",
        "posting url", "job id", "req id", "reqid jobid", "requisition", "salary",
        "salary pay", "pay", "job posting", "jobs applied", "position title", "vacancy",
        "resume name", "resume", "cover letter", "req id job id", "job id req id",
    ),
}

#: Headers whose meaning depends on the rest of the sheet (see ``mapping.py``).
CONTEXTUAL = {"name", "position", "title", "phone", "recruiter", "applied"}

YES = frozenset(
    {"yes", "y", "true", "t", "1", "x", "done", "ok", "sent", "completed", "complete",
     "yep", "yeah", "si", "oui", "ja", "checked", "v", "tick", "1 0"}
)
NO = frozenset({"no", "n", "false", "f", "0", "nope", "0 0", "not sent", "unchecked"})
MISSING = frozenset(
    {"", "n a", "na", "null", "none", "nil", "nan", "tbd", "not yet", "pending", "unknown",
     "tbc", "maybe", "nat", "not applicable", "dont know", "idk", "not listed"}
)
_TICKS = {"\u2713": True, "\u2714": True, "\u2705": True, "\u2611": True,
          "\u2717": False, "\u2718": False, "\u274c": False, "\u2610": None, "-": None, "?": None}


def parse_yes_no(value: object) -> bool | None | str:
    """Read a yes/no cell: ``True``, ``False``, ``None`` (missing) or ``"?"`` (unrecognised).

    Examples
    --------
    >>> [parse_yes_no(v) for v in ["Yes", "n", "\u2713", "x", "N/A", "Not yet", "", "maybe so"]]
    [True, False, True, True, None, None, None, '?']
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if value != value:  # NaN
            return None
        return bool(value) if value in (0, 1) else "?"
    raw = str(value).strip()
    if raw in _TICKS:
        return _TICKS[raw]
    key = squash(raw)
    if key in YES:
        return True
    if key in NO:
        return False
    if key in MISSING:
        return None
    return "?"


# ---------------------------------------------------------------------------
# Status vocabulary.
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class StatusMeaning:
    """What a status word implies. ``None`` means "says nothing about this"."""

    contacted: bool | None = True
    responded: bool | None = None
    info_interview: bool | None = None
    referred: bool | None = None
    job_interview: bool | None = None
    offer: bool | None = None
    outcome: str | None = None


_NOT_CONTACTED = StatusMeaning(contacted=False, outcome="open")
_OPEN = StatusMeaning(outcome="open")

# Ordered: the first pattern that matches wins, so specific phrases come first.
_STATUS_RULES: tuple[tuple[str, StatusMeaning], ...] = (
    (r"\boffer (declined|turned down|rejected)\b|\bdeclined (the )?offer\b",
     StatusMeaning(responded=True, job_interview=True, offer=True, outcome="offer")),
    (r"\b(offer|offered|accepted|hired|signed|job secured|got the job)\b",
     StatusMeaning(responded=True, job_interview=True, offer=True, outcome="offer")),
    (r"\b(draft|drafted|not sent|to ?do|planned|prospect|not contacted|to contact|"
     r"not yet contacted|researching|wishlist|saved|bookmarked)\b", _NOT_CONTACTED),
    (r"\b(ghost(ed)?|ghost job|no (response|reply|answer)|not responded|no resp|unanswered|"
     r"never heard back|did not respond|didnt respond|silence|no news)\b",
     StatusMeaning(responded=False, outcome="no_response")),
    (r"\b(withdr[ae]w\w*|pulled out|not interested|no longer interested|"
     r"declined by me|i declined)\b", StatusMeaning(outcome="withdrawn")),
    (r"\b(reject\w*|rejection|not selected|unsuccessful|turned down|position filled|"
     r"filled|closed by employer|no offer|denied|auto reject\w*|not moving forward|dinged)\b",
     StatusMeaning(responded=True, outcome="rejected")),
    (r"\bdeclin\w*|\bsaid no\b|\bno thanks\b|\bnot available\b|\bbusy\b",
     StatusMeaning(responded=True, outcome="declined")),
    (r"\b(final round|onsite|on site|superday|panel|phone screen|tech(nical)? screen|"
     r"technical interview|hiring manager|first round|second round|third round|"
     r"interview\w*|job interview|screening|screen|assessment|case study|"
     r"coding challenge|take home)\b",
     StatusMeaning(responded=True, job_interview=True, outcome="open")),
    (r"\b(referred|referral|referrals|introduced|intro made|got intro|gave referral|"
     r"forwarded resume)\b", StatusMeaning(responded=True, referred=True, outcome="open")),
    (r"\b(coffee chat|info interview|informational|met|meeting (held|done|completed)|"
     r"call (held|done|completed)|chat(ted)? (done|held|completed)|spoke|talked|"
     r"had (a )?(call|chat|coffee|meeting)|coffee (done|held)|info call)\b",
     StatusMeaning(responded=True, info_interview=True, outcome="open")),
    (r"\b(scheduled|booked|meeting set|call set|agreed|accepted invite|connected|"
     r"replied|responded|response|reply|answered|heard back|"
     r"(received|recieved) (a )?(response|reply|answer)|"
     r"positive|in touch|follow up call)\b",
     StatusMeaning(responded=True, outcome="open")),
    (r"\b(applied|submitted|sent|contacted|reached out|emailed|messaged|in ?mailed|"
     r"in progress|pending|waiting|awaiting|ongoing|open|active|under review|"
     r"followed up|follow ?up|connection request|requested|invited)\b", _OPEN),
)
_STATUS_PATTERNS = tuple((re.compile(p), m) for p, m in _STATUS_RULES)

#: Canonical stage / outcome words map to themselves (so a saved log reloads).
_CANONICAL_WORDS: dict[str, StatusMeaning] = {
    "contacted": _OPEN,
    "responded": StatusMeaning(responded=True),
    "info interview": StatusMeaning(responded=True, info_interview=True),
    "referred": StatusMeaning(responded=True, referred=True),
    "job interview": StatusMeaning(responded=True, job_interview=True),
    "offer": StatusMeaning(responded=True, job_interview=True, offer=True, outcome="offer"),
    "open": _OPEN,
    "no response": StatusMeaning(responded=False, outcome="no_response"),
    "declined": StatusMeaning(responded=True, outcome="declined"),
    "rejected": StatusMeaning(responded=True, outcome="rejected"),
    "withdrawn": StatusMeaning(outcome="withdrawn"),
}


def parse_status(value: object) -> StatusMeaning | None:
    """Map one status text to what it implies; ``None`` when the words are not known.

    One status is one phrase; a history of several is read by
    :func:`combine_statuses`.

    Examples
    --------
    >>> parse_status("reeejected").outcome
    'rejected'
    >>> m = parse_status("Coffee chat done!")
    >>> (m.info_interview, m.responded)
    (True, True)
    >>> parse_status("Suspected Ghost Job").outcome
    'no_response'
    >>> parse_status("purple") is None
    True
    """
    key = squash(value)
    if not key:
        return None
    if key in _CANONICAL_WORDS:
        return _CANONICAL_WORDS[key]
    for pattern, meaning in _STATUS_PATTERNS:
        if pattern.search(key):
            return meaning
    return None


def combine_statuses(meanings: list[StatusMeaning]) -> StatusMeaning | None:
    """Furthest stage of several statuses; the outcome of the last one that names one."""
    if not meanings:
        return None
    outcome = None
    for m in meanings:
        if m.outcome is not None and not (m.outcome == "open" and outcome not in (None, "open")):
            outcome = m.outcome

    def any_true(attr: str) -> bool | None:
        vals = [getattr(m, attr) for m in meanings]
        if any(v is True for v in vals):
            return True
        return False if any(v is False for v in vals) else None

    return StatusMeaning(
        contacted=any_true("contacted"),
        responded=any_true("responded"),
        info_interview=any_true("info_interview"),
        referred=any_true("referred"),
        job_interview=any_true("job_interview"),
        offer=any_true("offer"),
        outcome=outcome,
    )


# ---------------------------------------------------------------------------
# Channels and activities.
# ---------------------------------------------------------------------------
_CHANNEL_RULES: tuple[tuple[str, str], ...] = (
    (r"\b(alum\w*|alumni network|school network|university network)\b", "alumni"),
    (r"\b(warm intro\w*|warm|intro\w*|referr\w*|friend|family|mutual|personal network|"
     r"network|networking contact|colleague|coworker|former manager)\b", "warm_intro"),
    (r"\b(linked ?in|li|inmail|in mail|connection request|easy apply)\b", "linkedin"),
    (r"\b(e ?mail\w*|cold email|gmail|outlook|mail merge)\b", "email"),
    (r"\b(phone|call|cold call|telephone|text|sms|whatsapp)\b", "phone"),
    (r"\b(letter|post|postal|mailed letter)\b", "letter"),
    (r"\b(career fair|job fair|fair|event|meetup|meet up|conference|info session|"
     r"information session|workshop|webinar|hackathon|networking event|mixer)\b", "event"),
    (r"\b(in person|walk in|walked in|face to face|coffee|drop in|visit)\b", "in_person"),
    (r"\b(indeed|glassdoor|monster|ziprecruiter|zip recruiter|dice|handshake|job board|"
     r"simplyhired|simply hired|wellfound|angellist|angel list|builtin|built in|seek|reed|"
     r"totaljobs|otta|hired|careerbuilder|usajobs|idealist|jobboard|board)\b", "job_board"),
    (r"\b(company site|company website|careers page|career page|careers site|website|"
     r"site|direct|workday|greenhouse|lever|company portal|portal|applied online|online)\b",
     "company_site"),
    (r"\b(recruiter|agency|headhunter|staffing|recruitment)\b", "recruiter"),
    (r"\bother\b", "other"),
)
_CHANNEL_PATTERNS = tuple((re.compile(p), c) for p, c in _CHANNEL_RULES)
_CHANNEL_WORDS = {
    "linkedin": "linkedin", "email": "email", "phone": "phone", "letter": "letter",
    "alumni": "alumni", "warm intro": "warm_intro", "warm_intro": "warm_intro",
    "event": "event", "in person": "in_person", "job board": "job_board",
    "company site": "company_site", "recruiter": "recruiter", "other": "other",
    "unknown": "unknown",
}


def parse_channel(value: object) -> str | None:
    """Map a channel as written to a canonical channel; ``None`` if not recognised.

    Examples
    --------
    >>> [parse_channel(v) for v in ["LinkedIn InMail", "Cold e-mail", "SpaceX Site", "Indeed"]]
    ['linkedin', 'email', 'company_site', 'job_board']
    >>> parse_channel("Alumni database"), parse_channel("Intro from Sam")
    ('alumni', 'warm_intro')
    """
    key = squash(value)
    if not key:
        return None
    if key in _CHANNEL_WORDS:
        return _CHANNEL_WORDS[key]
    for pattern, channel in _CHANNEL_PATTERNS:
        if pattern.search(key):
            return channel
    return None


def parse_activity(value: object) -> str | None:
    """Map an activity / lead-type cell to ``networking`` or ``application``.

    Examples
    --------
    >>> [parse_activity(v) for v in ["Networking", "informational", "Job application", "x"]]
    ['networking', 'networking', 'application', None]
    """
    key = squash(value)
    if re.search(r"\b(network\w*|informational|info interview|coffee|outreach|contact|"
                 r"referral request|intro\w*|person)\b", key):
        return "networking"
    if re.search(r"\b(appl\w*|job|posting|resume|internship|position|role|vacancy)\b", key):
        return "application"
    return None
