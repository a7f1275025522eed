"""What a long piece of work tells its job while it runs: which step it is at, how many rows
of the step are done, and whether its author asked to cancel.

The work calls `progress.step(...)` at each step and `progress.advance(n)` (or iterates
`progress.rows(...)`) as it goes; both only change numbers in memory. The runner's heartbeat
thread writes them to the job row about once a second, from a connection of its own, so that
the page sees them while the work's transaction is still open. `advance` checks for a cancel
at most once a second, by reading the job row on the work's own connection (which sees what
the author committed since), and raises JobCancelled: the work's transaction rolls back and
nothing of it remains.

Services that run without a job (a test, a management command run by hand) get NO_PROGRESS.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext_lazy as _

CHECK_EVERY = 1.0  # seconds between two looks at the cancel flag
STAGES = {
    "reading": _("Reading the file"),
    "staging": _("Loading the rows"),
    "checking": _("Checking rows"),
    "writing": _("Writing"),
    "matching": _("Recomputing the matches"),
    "building": _("Building the report"),
    "projects": _("Checking projects"),
    "correcting": _("Correcting matches"),
    "exporting": _("Writing the file"),
    "allocating": _("Solving the allocation"),
}


class JobCancelled(Exception):
    """The author asked to cancel: raised between chunks, so the work rolls back."""


class Progress:
    """Counters of one running job, shared with the heartbeat thread."""

    def __init__(self, job_id: int | None = None, *, steps: int = 1):
        self.job_id = job_id
        self.lock = threading.Lock()
        self.stage, self.step_number, self.steps = "", 0, steps
        self.done, self.total = 0, None
        self._next_check = 0.0

    # --- what the work calls ------------------------------------------------------------

    def plan(self, steps: int) -> None:
        with self.lock:
            self.steps = max(steps, 1)

    def step(self, stage: str, total: int | None = None) -> None:
        """Begin the next step: `stage` names it (see STAGES), `total` is its rows, or None
        when the step is one statement whose progress nobody can see."""
        self.check()
        with self.lock:
            self.step_number += 1
            self.steps = max(self.steps, self.step_number)
            self.stage, self.done, self.total = stage, 0, total

    def advance(self, rows: int = 1, *, check: bool = True) -> None:
        with self.lock:
            self.done += rows
            if self.total is not None:
                self.done = min(self.done, self.total)
        if check:
            self.check()

    def rows(self, items: Iterable, *, chunk: int = 1000, check: bool = True) -> Iterator:
        """Yield `items`, counting them as done a chunk at a time, and checking for a cancel
        between chunks unless `check` is false (the connection is busy: a COPY)."""
        pending = 0
        for item in items:
            yield item
            pending += 1
            if pending == chunk:
                self.advance(pending, check=check)
                pending = 0
        if pending:
            self.advance(pending, check=check)

    def check(self, *, at_once: bool = False) -> None:
        """Raise JobCancelled if the author asked; looks at most once per CHECK_EVERY, unless
        `at_once` (after a step that could not be interrupted)."""
        if self.job_id is None:
            return
        now = time.monotonic()
        if now < self._next_check and not at_once:
            return
        self._next_check = now + CHECK_EVERY
        from ..models import Job  # noqa: PLC0415

        if Job.objects.filter(pk=self.job_id, cancel_requested_at__isnull=False).exists():
            raise JobCancelled

    # --- what the heartbeat reads ---------------------------------------------------------

    def snapshot(self) -> dict:
        with self.lock:
            return {"stage": self.stage, "step": self.step_number, "steps": self.steps,
                    "rows_done": self.done, "rows_total": self.total}


class _NoProgress(Progress):
    """Counts nothing and is never cancelled (work run without a job)."""

    def plan(self, steps: int) -> None:
        pass

    def step(self, stage: str, total: int | None = None) -> None:
        pass

    def advance(self, rows: int = 1, *, check: bool = True) -> None:
        pass


NO_PROGRESS = _NoProgress()
