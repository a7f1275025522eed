"""Server-rendered pages for clerks, officers and the public (see urls.py)."""
