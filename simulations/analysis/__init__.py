"""The analysis of a procedure: its graph, complexity and findings."""
