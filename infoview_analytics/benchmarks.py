"""Published and widely quoted conversion rates, each with its source and strength.

Metrics compare a seeker's or a cohort's own rates with these figures; charts
draw them as a labelled line and print :attr:`Benchmark.source` as a
footnote. The career-advice figures are rules of thumb, not measurements:
:attr:`Benchmark.strength` says so, and so must anything that shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Benchmark",
    "INFO_INTERVIEW_TO_OFFER",
    "APPLICATION_TO_OFFER",
    "REFERRED_HIRE",
    "POSTING_APPLICANT_HIRE",
    "BENCHMARKS",
]


@dataclass(frozen=True)
class Benchmark:
    """A conversion rate to compare against.

    Attributes
    ----------
    name : str
        Key in :data:`BENCHMARKS`.
    rate : float
        The rate as a proportion (1 in 12 -> 0.0833).
    label : str
        The rate as people say it, e.g. ``"1 in 12"``.
    source : str
        Where the figure comes from, in one sentence fit for a chart footnote.
    strength : str
        ``"rule of thumb"`` (quoted in career advice, no published primary
        study) or ``"industry data"`` (a vendor's analysis of its own
        records, not peer reviewed).

    Examples
    --------
    >>> INFO_INTERVIEW_TO_OFFER.label, round(INFO_INTERVIEW_TO_OFFER.rate, 4)
    ('1 in 12', 0.0833)
    """

    name: str
    rate: float
    label: str
    source: str
    strength: str


INFO_INTERVIEW_TO_OFFER = Benchmark(
    name="info_interview_to_offer",
    rate=1 / 12,
    label="1 in 12",
    source=(
        "Widely quoted career-advice figure (Hansen, A Foot in the Door); "
        "no published primary study"
    ),
    strength="rule of thumb",
)
APPLICATION_TO_OFFER = Benchmark(
    name="application_to_offer",
    rate=1 / 200,
    label="1 in 200",
    source=(
        "Widely quoted career-advice figure (Hansen, A Foot in the Door); "
        "no published primary study; quoted figures range to 1 in 1,500"
    ),
    strength="rule of thumb",
)
REFERRED_HIRE = Benchmark(
    name="referred_hire",
    rate=1 / 16,
    label="1 in 16",
    source=(
        "Lever (2016), analysis of 4M+ candidates on its hiring platform: "
        "1 in 16 referred candidates hired"
    ),
    strength="industry data",
)
POSTING_APPLICANT_HIRE = Benchmark(
    name="posting_applicant_hire",
    rate=1 / 152,
    label="1 in 152",
    source=(
        "Lever (2016), analysis of 4M+ candidates on its hiring platform: "
        "1 in 152 applicants to job postings hired"
    ),
    strength="industry data",
)

#: Every benchmark by :attr:`Benchmark.name`.
BENCHMARKS: dict[str, Benchmark] = {
    b.name: b
    for b in (INFO_INTERVIEW_TO_OFFER, APPLICATION_TO_OFFER, REFERRED_HIRE, POSTING_APPLICANT_HIRE)
}
