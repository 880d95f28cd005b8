"""Simulation parameters: YAML, Prosimos JSON, distributions, calibration."""
