"""Settings (triage.toml), secrets and environment variables: read here and nowhere else."""
