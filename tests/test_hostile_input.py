"""Property-based tests of every reader: whatever bytes come, only dateline's own errors escape, within the
time limit. The same targets run under atheris with `python fuzz/readers.py KIND` (see the README)."""
import gzip
import io
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))
from readers import check  # noqa: E402

LIMIT_S = 5.0  # per input; the pipeline's own per-article limit guards the NLP stages
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

html_fragments = st.lists(st.sampled_from([
    "<html>", "<body>", "<div>", "</div>", "<p>", "</p>", "<script>alert(1)</script>", "<a href='javascript:x'>",
    "<meta charset='euc-kr'>", "<meta charset='no-such'>", "<!--", "-->", "<![CDATA[", "&#0;", "&#xD800;", "\x00",
    "<title>T</title>", "<article>", "Pyongyang said on Monday that", "\ufeff", "<" * 5, "<b" * 3, "<svg onload=x>",
]), max_size=60).map("".join)


def timed(kind: str, data: bytes) -> None:
    start = time.perf_counter()
    check(kind, data)
    assert time.perf_counter() - start < LIMIT_S


@FUZZ
@given(st.binary(max_size=4000))
def test_text_reader_on_any_bytes(data):
    timed("text", data)


@FUZZ
@given(st.text(max_size=3000))
def test_text_reader_on_any_text(text):
    timed("text", text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(html_fragments, st.sampled_from(["utf-8", "euc-kr", "utf-16", "latin-1"]))
def test_html_reader_on_tag_soup(html, encoding):
    timed("html", html.encode(encoding, "ignore"))


@FUZZ
@given(st.binary(max_size=3000))
def test_html_reader_on_any_bytes(data):
    timed("html", b"<html><body>" + data)


@FUZZ
@given(st.lists(st.one_of(st.binary(max_size=200), st.just(b'{"text": "Officials met."}'),
                          st.just(b'{"html": 5}'), st.just(b'[1, 2]'), st.just(b'{"text": "\\ud800"}')), max_size=20))
def test_jsonl_reader_on_any_lines(lines):
    timed("jsonl", b"\n".join(lines))


@FUZZ
@given(st.binary(max_size=3000))
def test_warc_reader_on_any_bytes(data):
    timed("warc", b"WARC/1.0\r\n" + data)
    timed("warc", gzip.compress(data))


def test_deeply_nested_html_is_rejected_not_crashed():
    timed("html", b"<div>" * 100_000 + b"text" + b"</div>" * 100_000)


def test_huge_single_line_is_bounded():
    start = time.perf_counter()
    check("text", b"word " * 400_000)  # 2 MB, over max_chars: rejected quickly
    assert time.perf_counter() - start < LIMIT_S


feed_fragments = st.lists(st.sampled_from([
    '<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0" encoding="no-such"?>', "<rss version='2.0'>",
    "</rss>", "<channel>", "</channel>", "<item>", "</item>", "<title>Talks</title>", "<link>https://n.example/a</link>",
    "<link>javascript:x</link>", "<link>/rel</link>", "<pubDate>Tue, 03 Mar 2026 19:30:00 +0900</pubDate>",
    "<pubDate>not a date</pubDate>", '<feed xmlns="http://www.w3.org/2005/Atom">', "</feed>", "<entry>", "</entry>",
    '<link href="https://n.example/b"/>', "<updated>9999-99-99T99:99:99Z</updated>", "<![CDATA[", "]]>", "&amp;",
    "&nosuch;", "&#0;", "&#xD800;", "<!DOCTYPE rss [", "]>", '<!ENTITY a "&b;&b;">', '<!ENTITY b SYSTEM "file:///etc/passwd">',
    '<!ENTITY % p SYSTEM "http://x/">', "&a;", "<", "\x00", "\ufeff", "<script>alert(1)</script>", "é", "<b" * 3,
]), max_size=60).map("".join)


@FUZZ
@given(feed_fragments, st.sampled_from(["utf-8", "utf-16", "latin-1", "euc-kr"]))
def test_feed_reader_on_tag_soup(xml, encoding):
    timed("feed", xml.encode(encoding, "ignore"))


@FUZZ
@given(st.binary(max_size=3000))
def test_feed_reader_on_any_bytes(data):
    timed("feed", data)
    timed("feed", b'<?xml version="1.0"?><rss version="2.0"><channel><item>' + data)


def test_feed_entity_bomb_is_refused_not_expanded():
    laughs = b'<!ENTITY a0 "lol">' + b"".join(b'<!ENTITY a%d "%s">' % (n, b"&a%d;" % (n - 1) * 10) for n in range(1, 10))
    timed("feed", b'<?xml version="1.0"?><!DOCTYPE rss [' + laughs + b']><rss version="2.0"><channel><item><title>&a9;'
                  b"</title></item></channel></rss>")


def test_a_page_that_is_only_a_comment_is_rejected_cleanly():
    timed("html", b"<body><!--")
