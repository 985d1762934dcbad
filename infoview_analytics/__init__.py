"""infoview-analytics: outreach logs into honest answers and workshop-ready charts.

>>> from infoview_analytics import load_log
"""

from .errors import (
    ExportError,
    InfoviewError,
    LoadWarning,
    MappingError,
    NoLogFoundError,
    NotebookError,
    ResourceLimitError,
    SmallSampleWarning,
    UnreadableFileError,
)
from .load import LoadReport, load_log, load_log_with_report
from .schema import ACTIVITIES, CHANNELS, COLUMNS, OUTCOMES, STAGES, empty_log

__all__ = [
    "load_log",
    "load_log_with_report",
    "LoadReport",
    "empty_log",
    "COLUMNS",
    "ACTIVITIES",
    "CHANNELS",
    "STAGES",
    "OUTCOMES",
    "InfoviewError",
    "UnreadableFileError",
    "NoLogFoundError",
    "MappingError",
    "ResourceLimitError",
    "ExportError",
    "NotebookError",
    "LoadWarning",
    "SmallSampleWarning",
]
__version__ = "0.1.0"
