"""Background work: jobs, the ticker and the Celery worker."""
