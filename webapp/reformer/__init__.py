"""The reformer blueprint."""
