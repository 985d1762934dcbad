"""The kit's exceptions and warnings.

Every error subclasses :class:`InfoviewError` *and* the matching built-in, so
``except ValueError`` keeps working for callers who do not know this package.
Messages name the file (and sheet, row, column where there is one) and say
what to do next; the command line prints them as one line.
"""

from __future__ import annotations

__all__ = [
    "InfoviewError",
    "UnreadableFileError",
    "ResourceLimitError",
    "NoLogFoundError",
    "MappingError",
    "ExportError",
    "NotebookError",
    "LoadWarning",
    "SmallSampleWarning",
]


class InfoviewError(Exception):
    """Base class of every error this package raises on purpose."""


class UnreadableFileError(InfoviewError, ValueError):
    """A file cannot be read as a spreadsheet (empty, encrypted, truncated, wrong type)."""


class ResourceLimitError(UnreadableFileError):
    """A file would need more memory or time than any outreach log does (zip bomb, huge sheet)."""


class NoLogFoundError(InfoviewError, ValueError):
    """A file was read, but no sheet in it looks like an outreach log."""


class MappingError(InfoviewError, ValueError):
    """An explicit column mapping names a header or a column that does not exist."""


class LoadWarning(UserWarning):
    """Rows were rejected or cells could not be read; the load report has the details."""


class SmallSampleWarning(UserWarning):
    """A metric has groups of fewer than ten leads; their rates and intervals are rough."""


class ExportError(InfoviewError, ValueError):
    """An output cannot be written where or how it was asked for."""


class NotebookError(InfoviewError, RuntimeError):
    """A report notebook could not be found, or stopped with an error or a timeout."""
