"""Procedure analysis and simulation for simplifying permit procedures.

:func:`simulations.analysis.procedure.analyze` measures a procedure and lists what could be
simplified; the graph it works on comes from :func:`simulations.analysis.graph.process_graph`.
"""
