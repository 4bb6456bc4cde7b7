"""The team's work on mentions: workflow actions, reports, spikes."""
