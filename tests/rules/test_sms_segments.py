"""SMS segments (GSM-7 and UCS-2) and the shortening that keeps a message within a number of
them without cutting its link; quiet hours. Pure functions: no database."""

import datetime
import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.notifications import quiet, sms

LINK = "https://hashar.example.org/clerk/projects/12345/"

COUNTS = [
    # _case, text, encoding, units, segments
    ("empty", "", sms.GSM, 0, 0),
    ("one_gsm_char", "a", sms.GSM, 1, 1),
    ("gsm_160_fits_one", "a" * 160, sms.GSM, 160, 1),
    ("gsm_161_needs_two", "a" * 161, sms.GSM, 161, 2),
    ("gsm_306_is_two_parts", "a" * 306, sms.GSM, 306, 2),
    ("gsm_307_is_three", "a" * 307, sms.GSM, 307, 3),
    ("gsm_accents_of_the_basic_table", "é" * 160, sms.GSM, 160, 1),
    ("extended_counts_two", "€" * 80, sms.GSM, 160, 1),
    ("extended_81_needs_two", "€" * 81, sms.GSM, 162, 2),
    # 152 plain characters then an escape pair: the pair may not straddle parts
    ("escape_pair_is_never_split", "a" * 152 + "[" + "a" * 10, sms.GSM, 164, 2),
    ("escape_pair_pushes_a_part", "a" * 152 + "[" + "a" * 152, sms.GSM, 306, 3),
    ("uzbek_okina_forces_ucs2", "Oʻzbekiston", sms.UCS2, 11, 1),
    ("uzbek_apostrophe_ascii_stays_gsm", "O'zbekiston", sms.GSM, 11, 1),
    ("uzbek_tutuq_belgisi_forces_ucs2", "maʼlumot", sms.UCS2, 8, 1),
    ("ucs2_70_fits_one", "ж" * 70, sms.UCS2, 70, 1),
    ("ucs2_71_needs_two", "ж" * 71, sms.UCS2, 71, 2),
    ("ucs2_134_is_two_parts", "ж" * 134, sms.UCS2, 134, 2),
    ("ucs2_135_is_three", "ж" * 135, sms.UCS2, 135, 3),
    ("one_cyrillic_letter_turns_the_whole_text", "a" * 100 + "ы", sms.UCS2, 101, 2),
    ("emoji_is_a_surrogate_pair", "😀" * 35, sms.UCS2, 70, 1),
    ("surrogate_pair_is_never_split", "a" * 66 + "😀" + "a", sms.UCS2, 69, 1),
    ("surrogate_pair_pushes_a_part", "a" * 66 + "😀" + "a" * 10, sms.UCS2, 78, 2),
    ("tajik_letters", "Ҳисоботи пешрафт", sms.UCS2, 16, 1),
]


@pytest.mark.parametrize("_case, text, encoding, units, segments", COUNTS,
                         ids=[row[0] for row in COUNTS])
def test_count(_case, text, encoding, units, segments):
    assert sms.count(text) == sms.Count(encoding, units, segments)


FITS = [
    # _case, text, max segments, expected text part (before the link) or None when whole
    ("short_goes_whole", "Tranche 1 of P-1 is due today", 2, None),
    ("long_gsm_is_cut_at_a_word", "word " * 80, 1, "..."),
    ("long_ucs2_is_cut_with_an_ellipsis", "Транш " * 60, 2, "…"),
]


@pytest.mark.parametrize("_case, text, limit, ending", FITS, ids=[row[0] for row in FITS])
def test_fit_keeps_the_link_whole_and_within_the_segments(_case, text, limit, ending):
    fitted = sms.fit(text, LINK, limit)
    assert fitted.endswith("\n" + LINK)
    assert sms.segments(fitted) <= limit
    body = fitted[:-len(LINK) - 1]
    if ending is None:
        assert body == text.strip()
    else:
        assert body.endswith(ending) and len(body) < len(text)
        assert text.startswith(body[:-len(ending)])
        assert not body[:-len(ending)].endswith(" wor")  # cut between words, not inside


def test_fit_uses_the_space_the_limit_gives():
    # 2 GSM-7 segments hold 306 units: the text part fills them up to a word's end
    fitted = sms.fit("abcd " * 100, LINK, 2)
    assert sms.count(fitted).units > 306 - 10
    assert sms.segments(fitted) == 2


def test_a_link_longer_than_the_limit_goes_alone_and_whole():
    link = "https://example.org/" + "x" * 200
    assert sms.fit("Some text", link, 1) == link


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=800), limit=st.integers(min_value=1, max_value=4),
       link=st.sampled_from(["", LINK, "https://h.uz/r/"]))
def test_fit_never_exceeds_the_limit_and_never_cuts_the_link(text, limit, link):
    fitted = sms.fit(text, link, limit)
    assert sms.segments(fitted) <= limit or fitted == link
    if link:
        assert fitted.endswith(link)
    kept = fitted[:-len(link)].rstrip("\n") if link else fitted
    for ellipsis in ("...", "…"):  # what is kept is the text's beginning
        kept = kept.removesuffix(ellipsis)
    assert text.strip().startswith(kept.rstrip())


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=600))
def test_segments_grow_with_the_text(text):
    counts = [sms.segments(text[:n]) for n in range(0, len(text) + 1, 7)]
    assert counts == sorted(counts)
    units, (single, part) = sms.count(text).units, sms.LIMITS[sms.encoding(text)]
    if units > single:  # at least as many parts as the units need
        assert sms.segments(text) >= -(-units // part)


TASHKENT = zoneinfo.ZoneInfo("Asia/Tashkent")
T = datetime.time
QUIET = [
    # _case, local time, start, end, quiet?
    ("none", T(3), None, None, False),
    ("same_start_and_end_is_none", T(3), T(8), T(8), False),
    ("inside_a_day_span", T(13), T(12), T(14), True),
    ("end_is_not_quiet", T(14), T(12), T(14), False),
    ("start_is_quiet", T(12), T(12), T(14), True),
    ("over_midnight_late", T(23), T(22), T(7), True),
    ("over_midnight_early", T(3), T(22), T(7), True),
    ("over_midnight_day", T(9), T(22), T(7), False),
]


@pytest.mark.parametrize("_case, local, start, end, expected", QUIET,
                         ids=[row[0] for row in QUIET])
def test_is_quiet(_case, local, start, end, expected):
    assert quiet.is_quiet(local, start, end) is expected


def _at(day, hour, minute=0, zone=TASHKENT):
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=zone)


RELEASES = [
    # _case, moment, start, end, released
    ("not_quiet_goes_now", _at(10, 9), T(22), T(7), _at(10, 9)),
    ("late_evening_waits_for_tomorrow", _at(10, 23, 30), T(22), T(7), _at(11, 7)),
    ("early_morning_waits_for_today", _at(10, 3), T(22), T(7), _at(10, 7)),
    ("lunch_span", _at(10, 12, 15), T(12), T(14), _at(10, 14)),
]


@pytest.mark.parametrize("_case, moment, start, end, released", RELEASES,
                         ids=[row[0] for row in RELEASES])
def test_release_at(_case, moment, start, end, released):
    assert quiet.release_at(moment, TASHKENT, start, end) == released


def test_release_is_on_the_recipients_clock_not_the_servers():
    # 04:00 UTC is 09:00 in Tashkent (quiet 22-10) and 10:00 in Bishkek (not quiet)
    moment = datetime.datetime(2026, 3, 10, 4, tzinfo=datetime.timezone.utc)
    tashkent = quiet.release_at(moment, TASHKENT, T(22), T(10))
    bishkek = quiet.release_at(moment, zoneinfo.ZoneInfo("Asia/Bishkek"), T(22), T(10))
    assert tashkent == _at(10, 10) and bishkek == moment


@settings(max_examples=300, deadline=None)
@given(minutes=st.integers(0, 60 * 24 * 3), start=st.times(), end=st.times(),
       zone=st.sampled_from(["Asia/Tashkent", "Europe/Berlin", "America/New_York"]))
def test_release_is_never_earlier_and_never_quiet(minutes, start, end, zone):
    tz = zoneinfo.ZoneInfo(zone)
    moment = datetime.datetime(2026, 3, 27, tzinfo=datetime.timezone.utc) + datetime.timedelta(
        minutes=minutes)
    released = quiet.release_at(moment, tz, start, end)
    assert released >= moment
    assert released - moment <= datetime.timedelta(days=1, hours=1)
    local = released.astimezone(tz).time()
    assert not quiet.is_quiet(local, start, end)
