"""Getting mentions in: listening, imports, the demo (they store); the worker classifies and ranks them."""
