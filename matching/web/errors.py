"""Error pages in the site's layout and the reader's language, each with a way back.

Django renders 403.html, 404.html and 500.html (templates/) itself: 403 and 404 with the
request's context, 500 with none at all (whatever failed may be the database or the session,
so the 500 page asks for nothing; base.html renders without a request). A refused form
(CSRF) comes here.
"""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    """The form was refused: its page was too old, or cookies are off. Nothing was saved."""
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
