"""The packaged models: encoder, sentiment, intent and topic."""
