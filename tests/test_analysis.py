"""Trends: counts per period by story-event or mention, the counting rules for undated and coarse dates, and
the Poisson change test on a constructed series."""
from datetime import date, timedelta

import pytest

from dateline import analysis, link
from dateline.store import open_store

MONDAY = date(2024, 1, 1)  # a Monday: week 2024-W01


def defect(day: date, n: int, country="KP", **extra):
    return {"gold": f"{day}-{n}", "sentence": f"A worker defected on {day}.", "type": "DEFECT", "mode": "defect",
            "actor": {"text": "a worker", "country": country}, "date": day.isoformat(),
            "origin": {"text": f"Town {day}-{n}", "name": f"Town {day}-{n}", "country": "CN", "feature": "city",
                       "place_id": f"{day}-{n}"}, **extra}


def build(store, weekly: list[int], extra_docs=()):
    """One article per event; week k holds weekly[k] distinct defections (on Monday + j days)."""
    spec = []
    for week, count in enumerate(weekly):
        for j in range(count):
            day = MONDAY + timedelta(weeks=week, days=j % 7)
            spec.append({"id": f"w{week}-{j}", "outlet": f"O{j}", "published": f"{day + timedelta(days=1)}T09:00:00+09:00",
                         "events": [defect(day, j)]})
    spec.extend(extra_docs)
    docs, _ = link.corpus_documents(spec)
    store.write_documents(docs)
    link.link_pending(store)


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "t.db"))
    yield s
    s.close()


def test_poisson_tail_matches_the_definition():
    import math

    lam, x = 1.3, 4
    expected = 1 - sum(math.exp(-lam) * lam ** k / math.factorial(k) for k in range(x))
    assert analysis.poisson_sf(x, lam) == pytest.approx(expected, rel=1e-12)
    assert analysis.poisson_sf(0, 2.0) == 1.0
    assert analysis.poisson_sf(40, 2.0) < 1e-25  # no cancellation to zero or below


def test_weekly_counts_and_change_on_a_constructed_series(store):
    weekly = [1, 0, 1, 1, 0, 1, 0, 1, 5]
    build(store, weekly)
    result = analysis.trends(store, period="week", by="all")
    assert result["periods"][0] == "2024-W01" and len(result["periods"]) == 9
    (series,) = result["series"]
    assert series["counts"] == weekly and series["total"] == 10
    ch = series["change"]
    assert ch["baseline_mean"] == 0.625 and ch["latest"] == 5 and ch["baseline_periods"] == 8
    assert ch["p_value"] == pytest.approx(analysis.poisson_sf(5, 0.625))
    assert ch["p_value"] < 0.01 and ch["rising"] is True
    assert len(series["latest_ids"]) == 5


def test_no_rise_when_latest_is_ordinary(store):
    build(store, [2, 1, 2, 1, 2, 1, 2, 1, 2])
    ch = analysis.trends(store, period="week", by="all")["series"][0]["change"]
    assert ch["rising"] is False and ch["p_value"] > 0.2


def test_story_events_count_once_mentions_count_each_report(store):
    day = MONDAY
    second_report = {"id": "again", "outlet": "Other", "published": f"{day + timedelta(days=2)}T09:00:00+09:00",
                     "events": [defect(day, 0)]}
    build(store, [1], extra_docs=[second_report])
    assert analysis.trends(store, period="day", by="all")["series"][0]["total"] == 1
    assert analysis.trends(store, period="day", by="all", mentions=True)["series"][0]["total"] == 2


def test_coarse_and_undated_items_are_left_out_not_piled_on_a_day(store):
    extra = [
        {"id": "year", "outlet": "X", "published": "2024-03-01T09:00:00+09:00",
         "events": [{**defect(MONDAY, 9), "date": "2023", "origin": None}]},
        {"id": "old", "outlet": "Y", "published": "2024-03-01T09:00:00+09:00",
         "events": [{**defect(MONDAY, 8), "date": None, "historical": True, "origin": None}]},
        {"id": "undated", "outlet": "Z", "published": "2024-01-03T09:00:00+09:00",
         "events": [{**defect(MONDAY, 7), "date": None, "origin": None, "actor": {"text": "a cook", "country": "RU"}}]},
    ]
    build(store, [1], extra_docs=extra)
    monthly = analysis.trends(store, period="month", by="all")
    assert monthly["excluded"] == {"undated": 1, "coarse": 1}
    assert sum(monthly["series"][0]["counts"]) == 2  # the dated one and the undated one at its first report
    yearly = analysis.trends(store, period="year", by="all")
    assert yearly["periods"] == ["2023", "2024"] and yearly["series"][0]["counts"] == [1, 2]


def test_counts_by_country_and_filters(store):
    extra = [{"id": "ru", "outlet": "R", "published": "2024-01-02T09:00:00+09:00",
              "events": [defect(MONDAY, 5, country="RU")]}]
    build(store, [2], extra_docs=extra)
    by = analysis.trends(store, period="week", by="actor_country")
    assert {s["key"]: s["total"] for s in by["series"]} == {"KP": 2, "RU": 1}
    only = analysis.trends(store, period="week", by="all", where={"actor_country": "ru"})
    assert only["series"][0]["total"] == 1
    assert analysis.trends(store, period="week", by="all", where={"type": "ASSAULT"})["series"] == []
    rows = analysis.rows(by)
    assert {"period": "2024-W01", "actor_country": "KP", "count": 2} in rows


def test_chart_draws_one_line_per_period(store):
    build(store, [1, 0, 3])
    chart = analysis.chart(analysis.trends(store, period="week", by="all")).splitlines()
    assert len(chart) == 3 and chart[2].endswith(" 3") and chart[2].count("█") == 40 and "█" not in chart[1]


def test_unknown_period_is_an_input_error(store):
    from dateline.errors import InputError

    with pytest.raises(InputError, match="period"):
        analysis.trends(store, period="fortnight")
