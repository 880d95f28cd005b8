"""A job kind that only sleeps, never reporting progress (so only its heartbeat keeps it alive)."""

import time

from engine.background import jobs


def nap(params, report):
    time.sleep(params["seconds"])
    return {"slept": params["seconds"]}


jobs.register("nap", nap)
