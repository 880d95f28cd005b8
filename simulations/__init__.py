"""Procedure analysis and simulation for simplifying permit procedures.

:func:`simulations.analysis.analyze` measures a procedure and lists what could be
simplified; the graph it works on comes from :func:`simulations.graph.process_graph`.
"""
