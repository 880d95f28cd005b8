"""Citizen-facing services besides cases: queue numbers and the satisfaction survey."""
