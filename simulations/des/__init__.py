"""The discrete-event simulator: compiled processes, the event loop, KPIs."""
