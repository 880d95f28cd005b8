"""A job kind for the worker test (imported by the Celery worker via PERMITFLOW_JOB_MODULES)."""

from engine.background import jobs


def cube(params, report):
    report(0.5, "computing")
    return {"value": params["x"] ** 3}


jobs.register("cube", cube)
