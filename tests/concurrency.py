"""Run work at the same moment in threads, each with its own database connection."""

import threading
import time

from django.db import close_old_connections, connection


def race(workers, *, timeout=120):
    """Run each callable in its own thread at the same moment (a barrier releases them
    together); return each one's result or the exception it raised."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(i, work):
        try:
            barrier.wait()
            results[i] = work()
        except Exception as error:  # noqa: BLE001 - collected and asserted by the test
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    close_old_connections()
    return results


def widen_the_window(monkeypatch):
    """Sleep between a starter's look for a running job and its creation of one; the job is
    not handed to a broker (no worker here)."""
    from matching.services import jobs

    room_for = jobs._room_for

    def slowly(**kwargs):
        time.sleep(0.5)
        return room_for(**kwargs)

    monkeypatch.setattr(jobs, "_room_for", slowly)
    monkeypatch.setattr(jobs, "enqueue_on_commit", lambda job: None)
