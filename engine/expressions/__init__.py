"""The safe expression language of conditions, scripts and timers, and its functions."""
