"""Operating briefbot: secrets from files, JSON logs, health and metrics, state backups."""
