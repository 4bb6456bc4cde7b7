"""Who acts and what they may do: the signed-in actor, roles and teams (``triage.access.roles``)."""
