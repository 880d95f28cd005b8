"""permitflow's engine: BPMN loading and validation, running and persisting cases.

The engine never imports Flask; the web application and the command line call the
service layer in :mod:`engine.services`.
"""
