"""Reading inputs: folders, JSON Lines with bad lines, size limits, stdin."""
import io

from dateline.sources import iter_inputs, read_stdin


def test_folder_is_read_recursively_in_stable_order_skipping_hidden(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.txt").write_text("two")
    (tmp_path / "one.html").write_text("<html><body>x</body></html>")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("x")
    raws = list(iter_inputs([str(tmp_path)]))
    assert [(r.source.split("/")[-1], r.kind) for r in raws] == [("two.txt", "text"), ("one.html", "html")]


def test_jsonl_bad_lines_are_kept_as_errors_and_the_rest_read(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "first", "url": "http://x"}\nnot json\n\n{"title": "no body"}\n{"html": "<p>h</p>"}\n')
    raws = list(iter_inputs([str(path)]))
    assert [r.source.rsplit(":", 1)[1] for r in raws] == ["1", "2", "4", "5"]
    assert raws[0].meta["url"] == "http://x" and raws[0].error is None
    assert "not JSON" in str(raws[1].error) and "a.jsonl:2" in str(raws[1].error)
    assert "no 'text' or 'html'" in str(raws[2].error)
    assert raws[3].meta["html"] == "<p>h</p>"


def test_oversized_and_missing_files_become_errors(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 2000)
    raws = list(iter_inputs([str(big), str(tmp_path / "missing.txt")], max_bytes=1000))
    assert "over the limit" in str(raws[0].error) and "--max-bytes" in raws[0].error.fix
    assert "no such file" in str(raws[1].error)


def test_html_is_sniffed_without_a_suffix(tmp_path):
    page = tmp_path / "page"
    page.write_bytes(b"  <!DOCTYPE html><html><body>x</body></html>")
    assert [r.kind for r in iter_inputs([str(page)])] == ["html"]


def test_stdin_text_and_jsonl():
    assert [r.kind for r in read_stdin(io.BytesIO(b"Plain text"))] == ["text"]
    raws = list(read_stdin(io.BytesIO(b'{"text": "a"}\n{"text": "b"}\n')))
    assert [r.meta["text"] for r in raws] == ["a", "b"]


def test_a_jsonl_file_over_the_size_limit_is_streamed_and_limited_per_line(tmp_path, monkeypatch):
    monkeypatch.setenv("DATELINE_MAX_BYTES", "100")
    path = tmp_path / "big.jsonl"
    lines = ['{"text": "Short article number %d."}' % i for i in range(20)] + ['{"text": "%s"}' % ("x" * 200)]
    path.write_text("\n".join(lines) + "\n")
    raws = list(iter_inputs([str(path)]))
    assert len(raws) == 21 and all(r.error is None for r in raws[:20])
    assert "over the limit of 100" in str(raws[20].error) and raws[20].source.endswith("big.jsonl:21")
