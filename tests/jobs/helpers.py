"""Following a download to its file, whether it is answered at once (a region's report) or
prepared by a background job (the whole programme's): the job is run here, as a worker would."""

from urllib.parse import parse_qsl, urlsplit

from matching import models as m
from matching.jobs.tasks import run_job


def fetch(client, path: str, query: dict | None = None):
    """The response that hands over the file of `path`."""
    response = client.get(path, query or {})
    if response.status_code != 303:
        return response
    location = urlsplit(response["Location"])
    assert location.path == "/jobs/exports/new/", response["Location"]
    started = client.post(location.path, dict(parse_qsl(location.query)))
    assert started.status_code == 302, (path, started.status_code)
    job_id = int(started["Location"].strip("/").split("/")[-1])
    assert run_job(job_id) == "succeeded", m.Job.objects.get(pk=job_id).error
    return client.get(f"/jobs/{job_id}/download/")
