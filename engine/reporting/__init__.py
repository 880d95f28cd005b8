"""Figures from history: monitoring statistics, the event log, lane history."""
