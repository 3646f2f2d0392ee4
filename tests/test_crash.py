"""SIGKILL an ingest at random moments, 20 times: the database stays sound, no document is half-stored,
and the final re-run completes exactly the missing articles with no duplicates."""
from dateline.crashtest import run


def test_ingest_survives_twenty_kills(tmp_path, nlp):
    result = run(kills=20, articles=40, workdir=tmp_path)
    assert result["problems"] == []
    assert result["kills"] == 20
    assert result["final_stored"] == 40 - result["stored_before_final"]
    assert result["documents"] == 40
    assert any(0 < n < 40 for n in result["stored_after_each_kill"])  # some kills did land mid-ingest
