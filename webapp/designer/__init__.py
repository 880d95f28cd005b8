"""The designer blueprint."""
