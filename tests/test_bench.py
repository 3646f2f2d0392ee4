"""The benchmarks' own parts: the generated corpora and the throughput figures (no timings asserted)."""
from dateline import bench


def test_generated_corpora_are_fixed_by_their_seed_and_differ_by_style():
    assert bench.generate(5) == bench.generate(5)
    assert bench.generate(5, seed=1) != bench.generate(5)
    news, dense = bench.generate(40, style="news"), bench.generate(40, style="dense")
    words = lambda rs: sum(len(r["text"].split()) for r in rs) / len(rs)
    assert words(news) > 1.5 * words(dense)  # news articles are longer...
    assert all(r["published"] and r["title"] and r["url"] for r in news)
    background = {t.split("{")[0] for t in bench._BACKGROUND if not t.startswith("{")}
    news_text = " ".join(r["text"] for r in news)
    assert any(b in news_text for b in background if b)  # ...and carry sentences that report nothing
    assert not any(b in " ".join(r["text"] for r in dense) for b in background if len(b) > 8)


def test_throughput_reports_both_phases_and_both_ratios(tmp_path):
    result = bench.throughput(articles=4, processes=1, style="news")
    assert result["articles"] == 4 and result["corpus"] == "generated (news)"
    for phase in ("bare_spacy", "dateline"):
        assert result[phase]["articles"] == 4 and result[phase]["cpu_seconds"] > 0
    expected = result["dateline"]["articles_per_s"] / result["bare_spacy"]["articles_per_s"]
    assert abs(result["ratio"] - expected) < 0.01
    assert abs(result["cpu_ratio"] - result["bare_spacy"]["cpu_seconds"] / result["dateline"]["cpu_seconds"]) < 0.01


def test_fastest_run_of_each_phase_is_reported():
    runs = [{"seconds": 3.0, "cpu_seconds": 5.0, "peak_rss_mb": 300.0, "articles_per_s": 10.0},
            {"seconds": 2.0, "cpu_seconds": 5.5, "peak_rss_mb": 280.0, "articles_per_s": 15.0},
            {"seconds": 2.5, "cpu_seconds": 4.8, "peak_rss_mb": 310.0, "articles_per_s": 12.0}]
    best = bench._fastest(runs)
    assert best["seconds"] == 2.0 and best["articles_per_s"] == 15.0
    assert best["cpu_seconds"] == 4.8 and best["peak_rss_mb"] == 310.0  # least CPU, most memory of any run
    assert runs[1]["cpu_seconds"] == 5.5  # the runs themselves are left as they were


def test_repeated_throughput_alternates_and_lists_every_run():
    result = bench.throughput(articles=3, processes=1, style="dense", repeat=2)
    assert result["repeat"] == 2 and [len(v) for v in result["runs"].values()] == [2, 2]
    assert result["dateline"]["seconds"] == min(result["runs"]["dateline"])
    assert result["bare_spacy"]["seconds"] == min(result["runs"]["bare_spacy"])
