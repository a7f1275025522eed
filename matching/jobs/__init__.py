"""Long work in the background, with progress: bulk imports, whole-programme exports and a
fiscal year's re-matching run as `Job`s in Celery workers (see runner.py for the guarantees,
progress.py for what the work reports, work.py for each kind's body, services/jobs.py for
starting and cancelling one)."""
