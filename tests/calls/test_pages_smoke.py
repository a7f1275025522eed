from django.urls import reverse

from matching import services


def test_pages_render(rounds, login):
    w = rounds.world
    project = w.submitted()
    clerk = login(w.alice)
    assert clerk.get(reverse("clerk-project", args=[project.pk])).status_code == 200
    r = clerk.post(reverse("clerk-project-apply", args=[project.pk]), {"call": rounds.call.pk})
    assert r.status_code == 302
    other = rounds.apply(w.submitted(mahalla=w.mahalla_b, cost="30000000.00"))
    admin = login(w.admin)
    for name in ("setup-calls", "setup-call-new"):
        assert admin.get(reverse(name)).status_code == 200, name
    assert admin.get(reverse("setup-call", args=[rounds.call.pk])).status_code == 200
    with rounds.after_close():
        assert admin.post(reverse("setup-call-close", args=[rounds.call.pk])).status_code == 302
        member = login(rounds.kamola)
        assert member.get(reverse("committee-home")).status_code == 200
        assert member.get(reverse("committee-call", args=[rounds.call.pk])).status_code == 200
        app = rounds.call.applications.first()
        page = member.get(reverse("committee-application", args=[app.pk]))
        assert page.status_code == 200, page.content[:3000]
        rounds.score_all()
        page = member.get(reverse("committee-application", args=[app.pk]))
        assert page.status_code == 200
        r = admin.post(reverse("setup-call-allocation", args=[rounds.call.pk]), {"time_limit": 5})
        import re
        assert r.status_code == 302, re.findall(r'errorlist[^>]*>(.*?)</ul>', r.content.decode(), re.S)
        page = admin.get(reverse("setup-call-allocation", args=[rounds.call.pk]))
        assert page.status_code == 200
        r = admin.post(reverse("setup-call-session-new", args=[rounds.call.pk]),
                       {"held_on": "2026-12-20", "place": "Hokimiyat"})
        assert r.status_code == 302, r.content[:3000]
        session = rounds.call.sessions.get()
        seats = list(rounds.call.members.all())
        r = admin.post(reverse("setup-session", args=[session.pk]),
                       {"present": [s.pk for s in seats], "notes": "Met."})
        assert r.status_code == 302
        page = admin.get(reverse("setup-session", args=[session.pk]))
        assert page.status_code == 200
        r = admin.post(reverse("setup-session-votes", args=[session.pk, other.pk]),
                       {f"a{other.pk}-member_{s.pk}": "for" for s in seats})
        assert r.status_code == 302
        page = admin.get(reverse("setup-session-decide", args=[session.pk]))
        assert page.status_code == 200
        r = admin.post(reverse("setup-session-decide", args=[session.pk]),
                       {f"outcome_{a.pk}": "selected" for a in rounds.call.applications.all()})
        assert r.status_code == 302, r.content.decode()[:6000]
        r = admin.post(reverse("setup-session-publish", args=[session.pk]))
    anon = login(w.auditor).get(reverse("public-call", args=[rounds.call.code]))
    assert anon.status_code == 200
    page = admin.get(reverse("public-minutes", args=[rounds.call.code, 1]))
    assert page.status_code == 200
    print(page.content.decode()[-3000:])
