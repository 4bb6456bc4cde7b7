"""Every error Ascolto raises on purpose, in one place: what happened and what to do.

Every error raised to the command line or the dashboard is a ``TriageError``; its
message is one line meant for a person, never a traceback. The command line prints it as
``error: <message>`` and exits with 2.

The hierarchy::

    TriageError                     the message is shown to the user as is
    ├── UsageError                  a command-line flag is missing, empty or out of range
    ├── ConfigError                 triage.toml cannot be used as it is
    ├── PriorityConfigError         [priority] in triage.toml has a key or value that cannot be used
    ├── ColumnMappingError          a column mapping (preset, columns, date_format) is wrong
    ├── CredentialsFileError        the secrets file exists but cannot be read
    ├── DatabaseUnavailable         the database URL cannot be opened
    ├── BackupError                 a backup, a whole-database export or its import cannot be done
    ├── InputFileError              an input file cannot be read at all
    ├── ModelUnavailable            a classifier's files are missing or cannot be loaded
    ├── AccessDenied                the signed-in user's role does not allow the action
    ├── WorkflowConflict            a workflow action is not allowed in the mention's state
    │   ├── MoveRefused             the conditional update matched no row: another agent, sender or status won
    │   ├── ReplyTooLong            the reply is over its channel's length limit; nothing was sent
    │   └── GroupNotConfirmed       a group reply was asked for without the agent's explicit confirmation
    ├── MentionNotFound             no mention has the given id
    ├── SendingError                the platform did not take a reply; nothing is shown as sent
    ├── NotificationError           an e-mail or webhook notification could not be sent
    └── ListenerError               a source could not be read (raised by ``listeners``)
        ├── SourceDisabled          the source cannot run at all this time
        │   ├── MissingCredentials  a credential is not set
        │   └── MissingPackage      the listener's platform SDK is not installed
        ├── RateLimited             the platform said to slow down (``retry_after``)
        ├── TransientError          a 5xx answer, a network failure or a timeout: worth retrying
        ├── ResponseTooLarge        an answer over the listeners' size limit was refused
        └── PostingError            the platform refused a reply

What the listen runner does with each ``ListenerError`` is told in ``listeners.base``.
"""


class TriageError(Exception):
    """Base class: the message is shown to the user as is."""


class UsageError(TriageError):
    """A command-line flag is missing, empty or out of range (beyond what argparse checks)."""


class ConfigError(TriageError):
    """``triage.toml`` cannot be used as it is; the message names the file and what to fix."""


class PriorityConfigError(TriageError):
    """``[priority]`` in triage.toml has a key or value that cannot be used."""


class ColumnMappingError(TriageError):
    """The column mapping in the configuration is wrong; the message says how to fix it."""


class CredentialsFileError(TriageError):
    """The secrets file exists but cannot be read."""


class DatabaseUnavailable(TriageError):
    """The database URL cannot be opened."""


class BackupError(TriageError):
    """A backup, a whole-database export (``export --all``) or its import cannot be done."""


class InputFileError(TriageError):
    """An input file cannot be read at all (missing, unknown format, no header)."""


class ModelUnavailable(TriageError):
    """A classifier's files are missing or cannot be loaded."""


class AccessDenied(TriageError):
    """The signed-in user's role (``[roles]`` in triage.toml) does not allow the action; the message says which."""


class WorkflowConflict(TriageError):
    """A workflow action is not allowed in the mention's current state."""


class ReplyTooLong(WorkflowConflict):
    """The reply is over its channel's length limit (``triage.replies.limits``); nothing was sent."""


class GroupNotConfirmed(WorkflowConflict):
    """A group reply was asked for without the agent's explicit confirmation; nothing was sent."""


class MoveRefused(WorkflowConflict):
    """The mention was not in a status the move allows, or another agent holds it; nothing was written."""

    def __init__(self, action: str, status: str, assignee: str | None, sender: str | None = None,
                 sent_as: str | None = None) -> None:
        super().__init__(f"cannot {action} a mention that is {status}")
        self.action = action
        self.status = status
        self.assignee = assignee
        self.sender = sender  # who is posting a reply to it, while it is ``sending``
        self.sent_as = sent_as  # the platform id (or "") of the same reply, when it was sent already


class MentionNotFound(TriageError):
    """No mention has the given id."""


class NotificationError(TriageError):
    """An e-mail or webhook notification could not be sent; the message says what to fix."""


class SendingError(TriageError):
    """The platform did not take the reply; the message is the platform's error. The reply is kept as
    ``failed`` only (never shown as sent) and the mention keeps its status."""


class ListenerError(TriageError):
    """A source could not be read; the message says what to do."""


class SourceDisabled(ListenerError):
    """The source cannot run at all this time; the runner skips it and the other sources run."""


class MissingCredentials(SourceDisabled):
    """A credential is not set: the message names the variable."""


class MissingPackage(SourceDisabled):
    """The listener's module cannot be imported (its platform SDK is missing): the message says what to install."""


class RateLimited(ListenerError):
    """The platform said to slow down; ``retry_after`` is how many seconds to wait."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(0.0, float(retry_after))


class TransientError(ListenerError):
    """A 5xx answer, a network failure or a timeout: worth retrying later."""


class ResponseTooLarge(ListenerError):
    """A platform's answer was larger than ``listeners.limits.MAX_RESPONSE_BYTES``; it was not read."""


class PostingError(ListenerError):
    """The platform refused a reply; the message is the platform's error."""
