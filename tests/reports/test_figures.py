"""Report figures against hand-computed values (see tests/reports/conftest.py), and the number
of queries each report costs, which does not grow with the data."""

import datetime
from decimal import Decimal

import pytest

from matching.reports.associations import association_report, leverage_report
from matching.reports.common import Filters
from matching.reports.funders import funder_report
from matching.reports.regional import regional_report

D = Decimal


def _by(table, key="name"):
    return {row[key]: row for row in table.rows}


def test_regional_report_per_district(programme, django_assert_max_num_queries):
    w = programme.world
    # the country, the schemes, the parties, the districts, their mahallas, the summary rows
    # (projects, parties, pledges, the trend, projects in another currency), the complaints:
    # whatever the number of places and projects
    with django_assert_max_num_queries(7):
        report = regional_report(Filters(year=w.scheme.fiscal_year, scheme=w.scheme.code))
    rows = _by(report.table("districts"))
    a, b, c = rows["Chirchiq"], rows["Bekobod"], rows["Angren"]
    assert (a["projects"], a["state_approved"], b["projects"], b["state_in_review"],
            c["projects"]) == (1, 1, 2, 1, 0)
    assert (a["received"], a["matched"], a["disbursed"]) == (D("10000000"), D("10000000"),
                                                              D("8000000"))
    assert (b["received"], b["matched"]) == (D("30000000"), D("20000000"))
    # per party: the association's effective money, the district's match and payments
    assert (b["matched_association"], b["matched_district"]) == (D("20000000"), D("20000000"))
    assert (a["disbursed_district"], a["disbursed_association"]) == (D("8000000"), D("0"))
    assert a["pledged_RUB"] == D("250000.00") and "pledged_RUB" not in b
    assert (a["matched_per_capita"], b["matched_per_capita"], c["matched_per_capita"]) == (
        D("100.00"), D("66.67"), D("0.00"))
    assert (a["money_share"], a["population_share"], a["share_ratio"]) == (
        D("0.3333"), D("0.2000"), D("1.6667"))
    assert (b["share_ratio"], c["share_ratio"]) == (D("1.1111"), D("0.0000"))
    assert [d["name"] for d in report.table("districts_without_projects").rows] == ["Angren"]
    assert (report.extra["gini"], report.extra["theil"]) == (D("0.2667"), D("0.2405"))
    assert report.extra["mahallas_without_projects"] == 1


def test_regional_report_counts_complaints_and_answer_times(programme):
    from django.utils import timezone

    from matching import models as m
    from matching import services

    w = programme.world

    def complaint(project, *, days_ago):
        filed = services.complaint_file(actor=None, project=project, category="quality",
                                        text="The pipe leaks at the gate.")
        m.Complaint.objects.filter(pk=filed.pk).update(
            filed_at=timezone.now() - datetime.timedelta(days=days_ago))
        return filed

    answered = complaint(programme.p1, days_ago=6)
    services.complaint_answer(actor=w.bob, complaint=answered, answer="Repaired.")
    m.Complaint.objects.filter(pk=answered.pk).update(
        answered_at=timezone.now() - datetime.timedelta(days=2))  # 4 days after filing
    complaint(programme.p1, days_ago=20)  # waiting past its 15 days: late
    late_answer = complaint(programme.p2, days_ago=30)
    services.complaint_answer(actor=w.dave, complaint=late_answer, answer="Sorry, late.")
    report = regional_report(Filters())
    rows = _by(report.table("districts"))
    a, b, c = rows["Chirchiq"], rows["Bekobod"], rows["Angren"]
    assert (a["complaints"], a["complaints_answered"], a["complaints_late"]) == (2, 1, 1)
    assert a["answer_days"] == D("4.0")
    assert (b["complaints"], b["complaints_late"], b["answer_days"]) == (1, 1, D("30.0"))
    assert (c["complaints"], c["answer_days"]) == (0, None)
    assert (report.extra["complaints"], report.extra["complaints_answered"],
            report.extra["complaints_late"], report.extra["answer_days"]) == (3, 2, 2, D("17.0"))


def test_concentration_trend_across_years(programme):
    w = programme.world
    older = w.scheme.__class__.objects.create(code="uz-1x1-old", name="1x1 old",
                                              country=w.country, fiscal_year=2020,
                                              currency="UZS")
    # a year where only district C had a project: all its money in one district of three
    project = w.project(mahalla=w.mahalla_b)
    project.__class__.objects.filter(pk=project.pk).update(
        scheme=older, status="completed", matched=D("1000"), mahalla=programme.mahalla_c)
    trend = regional_report(Filters()).table("concentration_trend").rows
    assert [(t["year"], t["gini"]) for t in trend] == [
        (2020, D("0.8000")), (w.scheme.fiscal_year, D("0.2667"))]


def test_district_report_lists_its_mahallas_and_those_without_a_project(programme):
    w = programme.world
    report = regional_report(Filters(district=w.district_b.pk))
    assert [r["name"] for r in report.table("districts").rows] == ["Bekobod"]
    mahallas = _by(report.table("mahallas"))
    assert mahallas["Guliston"]["projects"] == 2
    assert mahallas["Guliston"]["matched_per_capita"] == D("6666.67")  # 20M / 3,000
    empty = report.table("mahallas_without_projects").rows
    assert empty == []


def test_funder_report_envelopes_and_commitments_at_risk(programme,
                                                          django_assert_max_num_queries):
    w = programme.world
    with django_assert_max_num_queries(4):  # the year's schemes are looked up once first
        report = funder_report(Filters(year=w.scheme.fiscal_year))
    envelopes = _by(report.table("envelopes"), "funder_name")
    chirchiq = envelopes["Chirchiq hokimiyati"]
    assert (chirchiq["amount"], chirchiq["reserved"], chirchiq["disbursed"], chirchiq["left"],
            chirchiq["reserved_unpaid"]) == (D("100000000"), D("20000000"), D("8000000"),
                                             D("80000000"), D("12000000"))
    # the district paid its first tranche; the association's (8,000,000) is 10 days late
    assert chirchiq["overdue_tranches"] == 0
    [risk] = report.table("commitments_at_risk").rows
    assert (risk["project_code"], risk["role"], risk["overdue_amount"], risk["days_overdue"]) \
        == (programme.p1.code, "association", D("8000000.00"), 10)


def test_funder_report_ignores_tranches_of_cancelled_projects(programme):
    from matching import services

    services.project_cancel(project=programme.p1, actor=programme.world.bob, reason="Flooded")
    assert funder_report(Filters()).table("commitments_at_risk").rows == []


def test_association_report_remittance_cost(programme, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        report = association_report(Filters())
    [row] = report.table("associations").rows
    assert (row["name"], row["projects"], row["completed"], row["receipts"]) == (
        "Chirchiq Community Moscow", 3, 0, 2)
    assert (row["sent"], row["fees"], row["matched"]) == (D("40000000"), D("600000.00"),
                                                          D("30000000"))
    # 600,000 of fees over 40,000,000 sent: 1.5 %, under the 3 % target
    assert (row["remittance_cost"], row["meets_sdg_target"]) == (D("0.0150"), True)


def test_stranger_association_without_projects_is_not_listed(programme):
    names = [r["name"] for r in association_report(Filters()).table("associations").rows]
    assert "Bekobod Diaspora Almaty" not in names


def test_leverage_by_scheme_and_region(programme, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        report = leverage_report(Filters())
    rows = report.table("leverage").rows
    assert [(r["region"], r["effective"], r["matched"], r["leverage"]) for r in rows] == [
        ("Toshkent viloyati", D("30000000"), D("30000000"), D("1.00")),
        ("All regions", D("30000000"), D("30000000"), D("1.00"))]


@pytest.mark.parametrize("filters", [Filters(year=1999), Filters(scheme="no-such-scheme")])
def test_reports_of_an_empty_scope_are_empty_not_errors(programme, filters):
    report = regional_report(filters)
    assert all(d["projects"] == 0 for d in report.table("districts").rows)
    assert report.extra["gini"] == D("0.0000")
    assert funder_report(filters).table("commitments_at_risk").rows == []
    assert leverage_report(filters).table("leverage").rows == []


def test_overdue_days_move_with_the_calendar(programme, time_machine):
    time_machine.move_to(datetime.datetime.now() + datetime.timedelta(days=5), tick=False)
    [risk] = funder_report(Filters()).table("commitments_at_risk").rows
    assert risk["days_overdue"] == 15


def test_envelopes_and_parties_follow_the_scheme_filter(programme):
    w = programme.world
    assert funder_report(Filters(scheme=w.scheme.code)).table("envelopes").rows
    assert funder_report(Filters(scheme="no-such-scheme")).table("envelopes").rows == []
    assert funder_report(Filters(year=1999)).table("envelopes").rows == []
    columns = [c.key for c in regional_report(Filters(scheme=w.scheme.code))
               .table("districts").columns]
    assert "matched_association" in columns
    assert "matched_association" not in [
        c.key for c in regional_report(Filters(year=1999)).table("districts").columns]
