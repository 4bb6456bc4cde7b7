"""Tabular files: formats, column mappings, mentions read from rows."""
