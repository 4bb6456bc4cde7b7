"""Getting mentions in: listening, imports, the demo, classifying what is new."""
