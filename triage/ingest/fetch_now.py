""""Fetch now": one source run on a person's request (the Sources page), as an admin only.

Running a source by hand is an action on the sources (``edit_sources``, admins): the library
refuses it to any other signed-in role (``AccessDenied``), whatever the page shows. The run is
the listen runner's (``triage.ingest.listening.run_source``), with a shorter wait for rate
limits so a click never hangs: a longer limit ends the run and the next one resumes.
"""

from __future__ import annotations

from dataclasses import replace

from triage.access.roles import Who, require
from triage.context import Context
from triage.ingest.listening import SourceRun, run_source
from triage.ranking.priority import configured_weights

INTERACTIVE_MAX_WAIT = 30.0  # seconds a "Fetch now" may wait for a rate limit; longer ones end the run


def fetch_now(ctx: Context, source_name: str, who: Who, max_wait: float = INTERACTIVE_MAX_WAIT) -> SourceRun:
    """Run the source named ``source_name`` once, for ``who`` (an admin, or the local operator's name).

    ``AccessDenied`` for a role that may not edit sources; ``ConfigError`` for an unknown source.
    """
    require(who, "edit_sources")
    config = ctx.config
    source = config.source(source_name)
    settings = replace(config.listen, max_wait_seconds=min(config.listen.max_wait_seconds, max_wait))
    return run_source(ctx, source, settings, weights=configured_weights(config))
