"""Time: the engine's clock and working days."""
