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
