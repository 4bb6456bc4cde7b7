"""Training scripts for the models the project ships in ``data/models``."""
