"""The cases blueprint."""
