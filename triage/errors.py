"""Errors that tell the user what happened and what to do.

Every error raised to the command line or the dashboard is a ``TriageError``; its
message is one line meant for a person, never a traceback.
"""


class TriageError(Exception):
    """Base class: the message is shown to the user as is."""


class DatabaseUnavailable(TriageError):
    """The database URL cannot be opened."""


class InputFileError(TriageError):
    """An input file cannot be read at all (missing, unknown format, no header)."""


class ModelUnavailable(TriageError):
    """A classifier's files are missing or cannot be loaded."""


class WorkflowConflict(TriageError):
    """A workflow action is not allowed in the mention's current state."""


class MentionNotFound(TriageError):
    """No mention has the given id."""
