"""The tasks blueprint."""
