"""Tabular files: formats, column mappings, mentions read from rows, the labeled data sets."""
