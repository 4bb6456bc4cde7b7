"""What needs a human first: intent decision, priority with reasons, incidents."""
