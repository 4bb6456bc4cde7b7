"""Text analysis that needs no model: normalisation, language, urgency signals and spam evidence."""
