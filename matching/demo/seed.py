"""The demo programme, built through the same services people use, so that every number in it
(ledger, matches, reservations, timeline, audit trail) is real. Idempotent: every record is
found by its natural key first, and a project that exists is left alone."""

import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from .. import models as m
from .. import services
from . import calls, people
from ..services.works import MilestoneInput
from .images import photo
from .places import ASSOCIATIONS, DEMO_MAHALLAS, POSITIONS, RATES

PASSWORD = "hashar-demo"
PDF = b"%PDF-1.4\n% Hashar demo document\n"
LOGINS = [
    ("admin", "programme administrator of the whole programme (setup at /setup/)"),
    ("admin_tashkent", "regional administrator of Tashkent region"),
    ("clerk", "mahalla clerk of Navbahor, Istiqlol, Bog'ishamol (Chirchiq) and Guliston "
              "(Bekobod), Tashkent region"),
    ("officer", "municipal officer of Chirchiq (a city of regional significance)"),
    ("officer2", "second officer of Chirchiq (four eyes)"),
    ("association", "Chirchiq Community Moscow (API and pledges)"),
    ("auditor", "auditor, reads everything"),
    ("committee", "selection committee member of the open call tash-1x1-spring"),
    ("committee2", "committee member of tash-1x1-spring, with a declared interest in Navbahor"),
]


def _user(username: str, **fields) -> m.User:
    mahallas = fields.pop("mahallas", [])
    user, created = m.User.objects.get_or_create(username=username, defaults=fields)
    if created:
        user.set_password(PASSWORD)
        user.save()
    if mahallas:
        user.mahallas.add(*mahallas)
    return user


def _funder(place, kind: str, name: str) -> None:
    m.Funder.objects.get_or_create(**{kind: place}, defaults={"name": name, "kind": kind})


def _geography() -> dict[str, m.Mahalla]:
    """The real regions and districts, the demo's mahallas in some of them, and a funder for
    each place that plays a part in the demo's schemes."""
    services.geography_load(actor=None)
    # the old demo's invented populations carried no source: they are not known
    for model in (m.Region, m.District, m.Mahalla):
        model.objects.filter(population__isnull=False, population_source="").update(
            population=None, population_year=None)
    for country in m.Country.objects.all():
        m.Funder.objects.get_or_create(kind="national", country=country,
                                       defaults={"name": f"Government of {country.name}"})
    mahallas = {}
    for code, names in DEMO_MAHALLAS.items():
        district = m.District.objects.select_related("region").get(code=code)
        _funder(district.region, "region", f"{district.region.name} administration")
        _funder(district, "district", f"{district.name} hokimiyati")
        for name in names:
            latitude, longitude = POSITIONS.get(f"{code}/{name}", (None, None))
            mahalla, _ = m.Mahalla.objects.get_or_create(
                district=district, name=name, code=None,
                defaults={"kind": m.PlaceKind.MAHALLA, "latitude": latitude,
                          "longitude": longitude})
            _funder(mahalla, "mahalla", f"{name} mahalla committee")
            mahallas[f"{code}/{name}"] = mahalla
    return mahallas


def _associations(mahallas) -> dict[str, m.MigrantAssociation]:
    found = {}
    today = timezone.localdate()
    for name, country, city, number, district, homes in ASSOCIATIONS:
        association, _ = m.MigrantAssociation.objects.get_or_create(
            registration_number=number, defaults={
                "name": name, "host_country": country, "host_city": city, "member_count": 34,
                "registered_on": today - datetime.timedelta(days=400),
                "valid_until": today + datetime.timedelta(days=330)})
        association.home_mahallas.add(*[mahallas[f"{district}/{h}"] for h in homes])
        m.BoardMember.objects.get_or_create(association=association, position="Chair",
                                            defaults={"full_name": f"Chair of {name}",
                                                      "phone": "+7 900 000 00 00"})
        found[name] = association
    return found


def _scheme(code, name, country, parties, admin, **fields) -> m.Scheme:
    """The scheme, written and published through the scheme editor's service."""
    scheme = m.Scheme.objects.filter(code=code).first()
    if scheme is None:
        scheme, _version = services.scheme_save(
            actor=admin, fields={"code": code, "name": name, "country": country,
                                 "currency": country.currency,
                                 "fiscal_year": timezone.localdate().year, **fields},
            parties=[{"role": role, "weight": Decimal(weight),
                      "cap": Decimal(cap) if cap else None} for role, weight, cap in parties])
    return scheme


def _schemes(admin) -> dict[str, m.Scheme]:
    uz, tj, kg = (m.Country.objects.get(code=c) for c in ("UZ", "TJ", "KG"))
    schemes = {
        # decisions on projects above 100,000,000 wait for a second officer (officer2)
        "uz-1x1": _scheme("uz-1x1-2026", "1x1 Mahalla Initiative (Uzbekistan)", uz,
                          [("association", "1", None), ("district", "1", None)], admin,
                          max_project_cost=Decimal("900000000.00"),
                          second_officer_threshold=Decimal("100000000.00")),
        "uz-3x1": _scheme("uz-3x1-2026", "3x1 Hashar (Uzbekistan)", uz,
                          [("association", "1", None), ("mahalla", "1", None),
                           ("district", "1", "150000000.00"), ("region", "1", None)], admin,
                          max_project_cost=Decimal("1200000000.00"),
                          max_public_share=Decimal("0.75"), win_cooldown_seasons=2,
                          eligible_categories=["drinking_water", "sewerage", "school",
                                               "health_post", "road", "irrigation"]),
        "tj-1x1": _scheme("tj-1x1-2026", "1x1 Sughd (Tajikistan)", tj,
                          [("association", "1", None), ("district", "1", None)], admin),
        "kg-1x1": _scheme("kg-1x1-2026", "1x1 Issyk-Kul (Kyrgyzstan)", kg,
                          [("association", "1", None), ("district", "1", None)], admin),
    }
    amounts = {"district": "2000000000.00", "region": "5000000000.00",
               "mahalla": "300000000.00"}
    for scheme in schemes.values():
        roles = set(scheme.parties.values_list("role", flat=True)) - {"association"}
        factor = Decimal("1") if scheme.currency == "UZS" else Decimal("0.001")
        country = scheme.country
        in_country = (Q(country=country) | Q(region__country=country)
                      | Q(district__region__country=country)
                      | Q(mahalla__district__region__country=country))
        for funder in m.Funder.objects.filter(in_country, kind__in=roles).exclude(
                envelopes__scheme=scheme):
            services.envelope_open(actor=admin, funder=funder, scheme=scheme,
                                   amount=Decimal(amounts[funder.kind]) * factor,
                                   reason=f"Demo budget {scheme.fiscal_year}")
    return schemes


def _rates() -> None:
    today = timezone.localdate()
    rows = [m.ExchangeRate(currency=cur, quote_currency=quote, on=today - datetime.timedelta(days=d),
                           rate=Decimal(rate), source="demo")
            for quote, table in RATES.items() for cur, rate in table.items() for d in range(90)]
    m.ExchangeRate.objects.bulk_create(rows, ignore_conflicts=True)


# scheme, district/mahalla, association, category, title, cost, state, receipts, pledges
# receipts: (amount, currency, days ago); pledges: (amount, currency, expected in days)
PROJECTS = [
    ("uz-1x1", "1727419/Navbahor", "Chirchiq Community Moscow", "drinking_water",
     "Navbahor drinking water pipe", "40000000.00", "in_progress",
     [("200000.00", "RUB", 20)], [("250000.00", "RUB", -30)]),
    ("uz-1x1", "1727419/Istiqlol", "Chirchiq Community Moscow", "school",
     "Istiqlol school roof", "120000000.00", "under_review", [], [("400000.00", "RUB", 45)]),
    ("uz-1x1", "1727419/Bog'ishamol", "Chirchiq Community Moscow", "electricity",
     "Bog'ishamol street lighting", "60000000.00", "submitted", [], []),
    ("uz-1x1", "1727419/Navbahor", "Chirchiq Community Moscow", "health_post",
     "Navbahor health post repair", "80000000.00", "draft", [], []),
    ("uz-1x1", "1727419/Istiqlol", "Chirchiq Community Moscow", "public_space",
     "Istiqlol children's playground", "30000000.00", "funding",
     [("50000.00", "RUB", 10)], [("100000.00", "RUB", 15)]),
    ("uz-1x1", "1727419/Bog'ishamol", "Chirchiq Community Moscow", "road",
     "Bog'ishamol road to the school", "50000000.00", "closed",
     [("170000.00", "RUB", 60)], []),
    ("uz-3x1", "1727413/Guliston", "Bekobod Brotherhood Almaty", "irrigation",
     "Guliston irrigation canal lining", "200000000.00", "funding",
     [("2000000.00", "KZT", 12)], [("2100000.00", "KZT", 20)]),
    ("uz-3x1", "1727413/Do'stlik", "Bekobod Brotherhood Almaty", "sewerage",
     "Do'stlik sewerage connection", "90000000.00", "rejected", [], []),
    ("uz-1x1", "1730412/Atlas", "Fergana Valley Workers of St Petersburg", "school",
     "Atlas school heating", "70000000.00", "funded", [("240000.00", "RUB", 25)], []),
    ("uz-1x1", "1718236/Qoratepa", "Urgut Diaspora Yekaterinburg", "drinking_water",
     "Qoratepa water tower", "45000000.00", "deferred", [], [("150000.00", "RUB", 60)]),
    ("tj-1x1", "3505256/Unji", "Khujand Fellowship Moscow", "drinking_water",
     "Unji drinking water", "600000.00", "funding", [("2500.00", "USD", 8)],
     [("30000.00", "USD", 40)]),
    ("kg-1x1", "KG02215000000/Tamchy", "Issyk-Kul Community Astana", "school",
     "Tamchy school windows", "900000.00", "submitted", [], [("2500000.00", "KZT", 30)]),
]
ORDER = ["draft", "submitted", "under_review", "decided", "receipts", "in_progress",
         "completed", "closed"]


def _people(district: m.District, mahallas) -> tuple[m.User, m.User]:
    if district.code == "1727419":
        return (m.User.objects.get(username="clerk"), m.User.objects.get(username="officer"))
    slug = slugify(district.name).replace("-", "")
    tz = district.region.country.timezone
    clerk = _user(f"clerk_{slug}", role="clerk", timezone=tz,
                  first_name="Clerk", last_name=district.name,
                  mahallas=list(district.mahallas.all()))
    officer = _user(f"officer_{slug}", role="officer", district=district, timezone=tz,
                    first_name="Officer", last_name=district.name)
    return clerk, officer


def _file(name: str, **exif) -> ContentFile:
    """A PDF, or a real photo (with the capture time and place of `exif`)."""
    content = PDF if name.endswith(".pdf") else photo(
        "PNG" if name.endswith(".png") else "JPEG", **exif)
    return ContentFile(content, name=name)


MILESTONES = [("Trench dug", 60, Decimal("30")), ("Pipe laid and tested", 150, Decimal("50")),
              ("House connections", 240, Decimal("20"))]
COMMITTEE = [("Karimjon Rahimov", "+998 90 111 22 33", "chair"),
             ("Gulnora Sodiqova", "+998 90 444 55 66", "secretary"),
             ("Bahodir Ergashev", "Navbahor ko'chasi 12", "member")]


def _works(project, clerk, *, finished: bool) -> None:
    """Milestones, a progress report with photos and the oversight committee; for a
    finished project every milestone done and the committee's answers on the handover act."""
    today = timezone.localdate()
    milestones = services.milestones_set(project=project, actor=clerk, milestones=[
        MilestoneInput(title=title, planned_on=today + datetime.timedelta(days=days - 200),
                       share=share) for title, days, share in MILESTONES])
    mahalla = project.mahalla
    here = ((float(mahalla.latitude), float(mahalla.longitude)) if mahalla.latitude is not None
            else None)
    now = timezone.now()
    photos = [_file("trench.jpg", taken_at=now - datetime.timedelta(days=3), position=here)]
    if not finished:  # one the officer should look at: taken long ago, 30 km away
        photos.append(_file("old-photo.jpg", taken_at=now - datetime.timedelta(days=120),
                            position=(41.2995, 69.2401)))
    services.progress_report_create(
        project=project, actor=clerk, reported_on=today,
        text="Trench dug along the whole street; pipes delivered to the site.",
        progress={milestones[0].pk: Decimal("100"), milestones[1].pk: Decimal("40")},
        photos=photos)
    for name, contact, role in COMMITTEE:
        services.oversight_member_add(project=project, actor=clerk, full_name=name,
                                      contact=contact, role=role)
    if not finished:
        return
    services.progress_report_create(
        project=project, actor=clerk, reported_on=today, text="Works finished and tested.",
        progress={m.pk: Decimal("100") for m in milestones},
        photos=[_file("finished.jpg", taken_at=now, position=here)])
    answers = [("signed", "The road is laid as in the plan."), ("signed", ""),
               ("refused", "The drainage ditch at the school end is not finished.")]
    for member, (decision, findings) in zip(project.oversight_members.all(), answers):
        services.oversight_sign_off(member=member, actor=clerk, decision=decision, on=today,
                                    findings=findings)


def _build(spec, schemes, mahallas, associations) -> None:
    scheme_key, place, association, category, title, cost, state, receipts, pledges = spec
    mahalla = mahallas[place]
    if m.Project.objects.filter(mahalla=mahalla, title=title).exists():
        return
    clerk, officer = _people(mahalla.district, mahallas)
    today = timezone.localdate()
    project = services.project_create(
        actor=clerk, mahalla=mahalla, association=associations[association],
        scheme=schemes[scheme_key], category=category, title=title, cost=Decimal(cost),
        description=f"{title}, proposed by the mahalla and its migrants abroad.",
        executor="Local contractor LLC", deadline=today + datetime.timedelta(days=300))
    migrant = m.User.objects.filter(association=associations[association]).first() or clerk
    for amount, currency, expected_in in pledges:
        services.pledge_create(project=project, actor=migrant if migrant.role == "association"
                               else clerk, amount=Decimal(amount), currency=currency,
                               expected_on=today + datetime.timedelta(days=expected_in))
    reached = ORDER.index({"submitted": "submitted", "under_review": "under_review",
                           "rejected": "decided", "deferred": "decided", "funding": "receipts",
                           "funded": "receipts"}.get(state, state))
    if reached >= ORDER.index("submitted"):
        services.project_submit(project=project, actor=clerk)
    if reached >= ORDER.index("under_review"):
        services.project_review_start(project=project, actor=officer)
    if state in ("rejected", "deferred"):
        services.project_decide(project=project, actor=officer, decision=state, reason=(
            "The cost estimate is not supported by quotes." if state == "rejected"
            else "Deferred to the spring budget session."))
        return
    if reached >= ORDER.index("decided"):
        services.project_approve(project=project, actor=officer,
                                 reason="Eligible, well supported by the community.")
    for n, (amount, currency, days_ago) in enumerate(receipts, start=1):
        services.receipt_record(
            project=project, actor=clerk, amount=Decimal(amount), currency=currency,
            received_on=today - datetime.timedelta(days=days_ago),
            fee=(Decimal(amount) / 50).quantize(Decimal("0.01")),
            reference=f"DEMO-{project.code}-{n}", proof=_file("transfer.pdf"))
    if reached >= ORDER.index("in_progress"):
        services.project_start(project=project, actor=officer, executor=project.executor,
                               executor_kind=project.executor_kind, amount=project.cost,
                               signed_on=today - datetime.timedelta(days=5),
                               document=_file("contract.pdf"))
        evidence = services.evidence_add(project=project, actor=clerk, kind="photo",
                                         file=_file("works.png"), description="Works under way",
                                         quantity="1.2 km of pipe laid")
        for tranche in m.Tranche.objects.filter(commitment__project=project, number=1):
            services.tranche_disburse(tranche=tranche, actor=officer, evidence=evidence)
        _works(project, clerk, finished=reached >= ORDER.index("completed"))
    if reached >= ORDER.index("completed"):
        services.project_complete(project=project, actor=clerk,
                                  handover_act=_file("handover.pdf"),
                                  reason="Handed over to the mahalla committee.")
    if reached >= ORDER.index("closed"):
        services.project_close(project=project, actor=officer, reason="Works accepted.")


# project title, category, what the sender wrote, the officer's answer (None: waiting)
COMPLAINTS = [
    ("Navbahor drinking water pipe", "quality",
     "The new pipe leaks near the school gate; water pools on the road every morning.",
     "The contractor replaced the faulty joint the next day; the district's engineer checked "
     "it."),
    ("Navbahor drinking water pipe", "works_not_done",
     "The trench on the upper street has been open for two weeks and nobody works there.",
     None),
    ("Bog'ishamol road to the school", "other",
     "Thank you: the children walk to school on a dry road now.",
     "Thank you for telling us. The mahalla committee will keep the drains clear."),
]


def _complaints() -> None:
    """A few complaints and feedback from the public, some answered: once per project."""
    for title, category, text, answer in COMPLAINTS:
        project = m.Project.objects.select_related("mahalla__district").get(title=title)
        if m.Complaint.objects.filter(project=project, text=text).exists():
            continue
        complaint = services.complaint_file(actor=None, project=project, category=category,
                                            text=text, contact="+998 90 000 00 00")
        if answer:
            officer = m.User.objects.filter(role="officer",
                                            district=project.mahalla.district).first()
            services.complaint_answer(actor=officer, complaint=complaint, answer=answer)


def _topped_up(schemes, mahallas, associations) -> None:
    """A 3x1 project whose district cap opens a gap of 50,000,000: the region tops up
    30,000,000 from its envelope (recorded by the administrator) and the association raises
    its own share by the rest; then it is approved and the money starts to come in."""
    title = "Do'stlik school heating"
    mahalla = mahallas["1727413/Do'stlik"]
    if m.Project.objects.filter(mahalla=mahalla, title=title).exists():
        return
    clerk, officer = _people(mahalla.district, mahallas)
    admin = m.User.objects.get(username="admin")
    today = timezone.localdate()
    project = services.project_create(
        actor=clerk, mahalla=mahalla, association=associations["Bekobod Brotherhood Almaty"],
        scheme=schemes["uz-3x1"], category="school", title=title,
        cost=Decimal("800000000.00"), executor="Bekobod Issiqlik LLC",
        description="New boilers and radiators for the Do'stlik school; the district's share "
                    "is capped at 150,000,000.", deadline=today + datetime.timedelta(days=240))
    services.project_submit(project=project, actor=clerk)
    services.project_review_start(project=project, actor=officer)
    region = m.Funder.objects.get(kind="region", region=mahalla.district.region)
    services.top_up_offer(project=project, actor=admin, funder=region,
                          amount=Decimal("30000000.00"),
                          reason="Regional council decision 14/2026 on school heating.")
    services.top_up_offer(project=project, actor=officer, amount=Decimal("20000000.00"),
                          reason="The association's board raised its share (letter of 2 March).")
    services.project_approve(project=project, actor=officer,
                             reason="Covered by the region's top-up and the association's raise.")
    services.receipt_record(project=project, actor=clerk, amount=Decimal("3000000.00"),
                            currency="KZT", received_on=today - datetime.timedelta(days=3),
                            reference=f"DEMO-{project.code}-1", proof=_file("transfer.pdf"))


def auditors_group():
    """Read-only admin access to every record and to the audit trail."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name="Auditors")
    group.permissions.set(Permission.objects.filter(
        codename__startswith="view_", content_type__app_label__in=["matching", "pghistory"]))
    return group


@transaction.atomic
def seed() -> list[tuple[str, str]]:
    """Create (or complete) the demo programme; return the demo logins."""
    mahallas = _geography()
    associations = _associations(mahallas)
    chirchiq = m.District.objects.get(code="1727419")
    admin = _user("admin", role="administrator", is_staff=True, is_superuser=True,
                  first_name="Dilnoza", last_name="Karimova")
    _user("admin_tashkent", role="administrator", region=chirchiq.region, first_name="Bahrom",
          last_name="Saidov", superior=admin)
    _user("clerk", role="clerk", first_name="Malika", last_name="Yusupova",
          mahallas=[mahallas[k] for k in ("1727419/Navbahor", "1727419/Istiqlol",
                                          "1727419/Bog'ishamol", "1727413/Guliston")])
    _user("officer", role="officer", district=chirchiq, first_name="Rustam",
          last_name="Aliyev", superior=admin)
    _user("officer2", role="officer", district=chirchiq, first_name="Shahlo",
          last_name="Nazarova", superior=admin)
    _user("association", role="association",
          association=associations["Chirchiq Community Moscow"], language="ru",
          first_name="Jahongir", last_name="Tursunov", timezone="Europe/Moscow")
    auditor = _user("auditor", role="auditor", is_staff=True, first_name="Audit",
                    last_name="Office")
    auditor.groups.add(auditors_group())
    schemes = _schemes(admin)
    _rates()
    members = [_user(username, role="committee", first_name=first, last_name=last)
               for username, first, last in (("committee", "Kamola", "Ergasheva"),
                                             ("committee2", "Sherzod", "Umarov"))]
    for spec in PROJECTS + calls.PROJECTS:
        _build(spec, schemes, mahallas, associations)
    calls.call(admin, schemes["uz-1x1"], members)
    _waiting_work(mahallas)
    _complaints()
    _topped_up(schemes, mahallas, associations)
    people.people(mahallas, _user)
    return LOGINS + people.LOGINS


def _waiting_work(mahallas) -> None:
    """What waits on the setup pages and the clerk's dashboard: an application for
    registration and a project an association proposed."""
    if not m.RegistrationApplication.objects.filter(name="Yangiyo'l Youth Seoul").exists():
        services.association_apply(
            actor=None, name="Yangiyo'l Youth Seoul", host_country="KR", host_city="Seoul",
            home_mahallas=[mahallas["1727424/Obod"], mahallas["1727424/Tinchlik"]],
            member_count=14, board=[{"full_name": "Chair of Yangiyo'l Youth Seoul",
                                     "position": "Chair", "phone": "+82 10 0000 0000"}],
            statutes=_file("statutes.pdf"), contact_name="Sardor Rahimov",
            email="yangiyol.youth@example.org")
    migrant = m.User.objects.get(username="association")
    if not m.ProjectProposal.objects.filter(title="Bog'ishamol solar street lamps").exists():
        mahalla = mahallas["1727419/Bog'ishamol"]
        services.proposal_create(actor=migrant, mahalla=mahalla,
                                 title="Bog'ishamol solar street lamps", category="electricity",
                                 description="Forty solar street lamps on the road to the "
                                             "school, for about 2,400 residents.",
                                 cost=Decimal("65000000.00"))
