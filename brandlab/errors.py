"""The brandlab exception tree.

Every error the library raises on purpose is a :class:`BrandlabError`. Where a built-in
exception type also fits, the brandlab error subclasses it too, so callers that already
catch ``ValueError`` or ``ImportError`` keep working::

    BrandlabError
      IngestError
        UnknownFormatError    (also ValueError)  no adapter recognises the file
        ExportFormatError     (also ValueError)  missing/renamed columns, undecodable bytes
      SchemaViolation         (also ValueError)  carries .table and .failures (a DataFrame)
      ModelUnavailableError   (also ImportError) optional dependency or weights missing
      InsufficientDataError   (also ValueError)  e.g. no posts for a campaign, empty graph
    BrandlabWarning (UserWarning)
      SmallSampleWarning                         a group below the minimum size

Messages follow one template: what went wrong, what was expected, what was found, and how
to fix it, quoting the offending value. Use :func:`format_message` to build them.

Only ``brandlab.cli`` and ``brandlab.app`` catch :class:`BrandlabError`; the library never
swallows errors and never silences warnings.
"""

from __future__ import annotations

from typing import Any


def format_message(what: str, *, expected: str | None = None, found: Any = None,
                   fix: str | None = None) -> str:
    """Build an error message in the house template."""
    parts = [what.rstrip(".") + "."]
    if expected is not None:
        parts.append(f"Expected {expected}.")
    if found is not None:
        parts.append(f"Found {found!r}." if not isinstance(found, str) else f"Found {found}.")
    if fix is not None:
        parts.append(fix.rstrip(".") + ".")
    return " ".join(parts)


class BrandlabError(Exception):
    """Base class of every error brandlab raises on purpose."""


class IngestError(BrandlabError):
    """An export could not be read."""


class UnknownFormatError(IngestError, ValueError):
    """No ingest adapter recognises the file."""


class ExportFormatError(IngestError, ValueError):
    """The file looks like a known export but its columns or bytes are wrong.

    ``path``, ``row`` and ``column`` name the place when known.
    """

    def __init__(self, message: str, *, path: str | None = None, row: int | None = None,
                 column: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.row = row
        self.column = column


class SchemaViolation(BrandlabError, ValueError):
    """A table failed validation; ``failures`` lists every problem found."""

    def __init__(self, message: str, *, table: str, failures: Any = None) -> None:
        super().__init__(message)
        self.table = table
        self.failures = failures


class ModelUnavailableError(BrandlabError, ImportError):
    """An optional dependency or model file is missing; the message says how to get it."""


class InsufficientDataError(BrandlabError, ValueError):
    """There is not enough data for the requested analysis."""


class BrandlabWarning(UserWarning):
    """Base class of brandlab's warnings."""


class SmallSampleWarning(BrandlabWarning):
    """A group is below the minimum size; the result is returned and flagged."""


class FitWarning(BrandlabWarning):
    """An estimator's pre-period fit is poor or a policy event falls inside its window."""
