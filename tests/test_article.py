"""Unit tests of the article stage on hand-built inputs: date lines, bylines, datelines, boilerplate,
outlets, encodings, language, and the rejections `read` makes."""
from __future__ import annotations

import json

import pytest

import dateline.article as article
from dateline.article import boilerplate, bylines, datelines, encoding, language, outlets, plaintext, stamps
from dateline.errors import InputError, UnsupportedLanguage
from dateline.sources import RawInput

ENGLISH = ("North Korea fired a ballistic missile into the sea off its east coast on Thursday, the South Korean "
           "military said, in the latest of a series of weapons tests that have raised tension in the region.")


@pytest.mark.parametrize("line, kind, iso", [
    ("October 23, 2015 10:49", "date", "2015-10-23T10:49:00"),
    ("2015-10-23 10:49", "date", "2015-10-23T10:49:00"),
    ("Posted : 2015-10-23 17:05", "published", "2015-10-23T17:05:00"),
    ("Updated Oct 23, 2015 5:05 pm", "updated", "2015-10-23T17:05:00"),
    ("23 Oct 2015", "date", "2015-10-23"),
    ("Published: Oct. 23, 2015 - 10:49 KST", "published", "2015-10-23T10:49:00+09:00"),
    ("Updated 5:41 PM EDT, April 2, 2024", "updated", "2024-04-02T17:41:00-04:00"),
    ("2015-10-23T10:49:00+09:00", "date", "2015-10-23T10:49:00+09:00"),
    ("Friday, June 16, 2023", "date", "2023-06-16"),
    ("Last updated: 12:00 am, 1 January 2020 GMT", "updated", "2020-01-01T00:00:00+00:00"),
])
def test_date_lines_in_common_layouts(line, kind, iso):
    found = stamps.date_line(line)
    assert found is not None
    assert found[0] == kind
    assert found[1].iso() == iso


@pytest.mark.parametrize("line", ["Seoul said on October 23, 2015 it would respond", "October", "10:49",
                                  "The 2015 talks"])
def test_sentences_with_dates_are_not_date_lines(line):
    assert stamps.date_line(line) is None


def test_stamp_without_offset_takes_the_given_one():
    stamp = stamps.find("2015-10-23 10:49")
    assert stamp.iso("+09:00") == "2015-10-23T10:49:00+09:00"
    assert stamps.find("Oct 23, 2015 10:49 UTC").iso("+09:00") == "2015-10-23T10:49:00+00:00"


def test_a_remembered_date_gives_a_new_stamp_each_time():
    first = stamps.find("Oct 23, 2015 10:49")
    first.hour = 3  # a caller's change must not reach the next reader of the same line
    again = stamps.find("Oct 23, 2015 10:49")
    assert again is not first and (again.hour, again.minute) == (10, 49)
    assert stamps.find("Oct 23, 2015").hour is None


@pytest.mark.parametrize("line, authors, agency", [
    ("By Ahn Yong-hyun", ["Ahn Yong-hyun"], None),
    ("• By Kim Min-ji and Lee Jae-won", ["Kim Min-ji", "Lee Jae-won"], None),
    ("Park Ji-won, Staff Reporter", ["Park Ji-won"], None),
    ("By Josh Kim, Reuters", ["Josh Kim"], "Reuters"),
    ("By DANIEL OKAFOR and ELLEN SOHN Associated Press", ["Daniel Okafor", "Ellen Sohn"], "Associated Press"),
    ("Reporting by Kenta Mori in Tokyo; Editing by Simon Hart", ["Kenta Mori"], None),
    ("BY SARAH KIM [kim.sarah@example.com]", ["Sarah Kim"], None),
])
def test_bylines(line, authors, agency):
    found = bylines.parse(boilerplate.bare(line))
    assert found is not None
    assert found.authors == authors
    assert found.agency == agency


@pytest.mark.parametrize("line", ["By the way, the talks failed.", "North Korea fired a missile",
                                  "Kim Jong-un", "Staff Reporter"])
def test_non_bylines(line):
    assert bylines.parse(line) is None


def test_split_names_drops_roles_and_placeholders():
    assert bylines.split_names("View all posts by Daniel Park; Staff") == ["Daniel Park"]
    assert bylines.split_names("No Author") == []
    assert bylines.split_names("Ahn Yong-hyun and Kim Min-ji") == ["Ahn Yong-hyun", "Kim Min-ji"]


@pytest.mark.parametrize("text, value, agency", [
    ("SEOUL, Oct 23 (Yonhap) -- North Korea said", "SEOUL, Oct 23 (Yonhap)", "Yonhap News Agency"),
    ("Pyongyang, October 9 (KCNA) -- The DPRK", "Pyongyang, October 9 (KCNA)", "KCNA"),
    ("WASHINGTON (AP) — The Treasury", "WASHINGTON (AP)", "Associated Press"),
    ("UNITED NATIONS — The Security Council", "UNITED NATIONS", None),
])
def test_datelines(text, value, agency):
    found = datelines.find(text)
    assert found.text == value
    assert found.agency == agency


@pytest.mark.parametrize("text", ["Among dozens of North Korean officials", "Kim Jong-un - the leader - said",
                                  "Kim (left) - pictured"])
def test_not_datelines(text):
    assert datelines.find(text) is None


@pytest.mark.parametrize("line", ["Previous Next", "All Headlines Back to Top", "Share this article: Facebook Twitter",
                                  "Subscribe to our newsletter", "Advertisement", "(END)", "Home > World > Asia",
                                  "Tags: North Korea, sanctions"])
def test_boilerplate_lines(line):
    assert boilerplate.is_drop(line)


@pytest.mark.parametrize("line", [
    "This photo, released by the Korean Central News Agency, shows a launch. (KCNA-Yonhap)",
    "[Photo: Yonhap]",
    "Soldiers patrol the border village. REUTERS/Kim Hong-ji",
    "Kim Jong-un (center) inspects a launch in this photo released by KCNA.",
    "The rally in Pyongyang, in a handout picture released by KCNA on Tuesday",
    "Missiles on parade. Photo by Kim (AFP-Yonhap)",
])
def test_captions(line):
    assert boilerplate.is_caption(line)


def test_boilerplate_needs_are_in_every_match():
    """A pattern written with `needs` is not tried on ASCII text that holds none of them: every ASCII string
    the pattern matches (generated from it) must hold one, else a caption would be missed."""
    from hypothesis import HealthCheck, given, settings, strategies as st

    ascii_text = st.characters(max_codepoint=127)
    checked = [(needs, pattern, True) for key in ("drop", "captions", "footer_start")
               for needs, pattern in boilerplate._hinted(key)]
    copyright_pattern, copyright_needs, _ = boilerplate._copyright()
    checked.append((copyright_needs, copyright_pattern, False))
    assert len(checked) >= 5
    for needs, pattern, whole in checked:
        @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.from_regex(pattern, fullmatch=whole, alphabet=ascii_text))
        def holds(text):
            assert boilerplate.may_match(needs, text), (pattern.pattern, text)

        holds()


@pytest.mark.parametrize("line", [ENGLISH, "Related to this, officials said the talks had stalled.",
                                  "Share prices fell 3 percent in Seoul on Monday after the launch."])
def test_prose_is_not_boilerplate(line):
    assert not boilerplate.is_drop(line) and not boilerplate.is_caption(line)


def test_outlet_from_copyright_line_and_unknown_outlet_cleaned():
    assert outlets.name_of("Copyright © Chosunilbo & Chosun.com") == "Chosun Ilbo"
    assert outlets.name_of("© 2022 Harbor Ledger Media Co., Ltd. All rights reserved.") == "Harbor Ledger Media"
    assert outlets.by_url("https://english.chosun.com/site/data/html_dir/2015/10/23/x.html").name == "Chosun Ilbo"


def test_outlet_offsets_follow_the_zone_history():
    from datetime import datetime

    kcna = outlets.lookup("KCNA")
    assert outlets.utc_offset(kcna, datetime(2016, 5, 1, 12)) == "+08:30"  # Pyongyang time, 2015-2018
    assert outlets.utc_offset(kcna, datetime(2019, 5, 1, 12)) == "+09:00"
    assert outlets.utc_offset(outlets.lookup("The New York Times"), datetime(2024, 7, 1, 12)) == "-04:00"
    assert outlets.utc_offset(outlets.lookup("Reuters"), datetime(2024, 7, 1, 12)) is None


def test_scrape_header_footer_and_body():
    text = ("Seoul protests launch\n\nBy Kim Min-ji\n\nPosted : 2024-03-14 17:05\n\n"
            f"{ENGLISH}\n\nThe ministry said it would respond.\n\n"
            "Copyright © Chosunilbo & Chosun.com\nPrevious Next\n")
    got = plaintext.parse(text)
    assert got.title == "Seoul protests launch"
    assert got.authors == ["Kim Min-ji"]
    assert got.published == "2024-03-14T17:05:00+09:00"
    assert got.outlet == "Chosun Ilbo"
    assert got.text == f"{ENGLISH}\n\nThe ministry said it would respond."


def test_published_wins_over_updated_and_default_timezone(monkeypatch):
    text = f"Title here\n\nUpdated : 2024-03-15 09:00\n\nPosted : 2024-03-14 17:05\n\n{ENGLISH}"
    assert plaintext.parse(text).published == "2024-03-14T17:05:00"
    monkeypatch.setenv("DATELINE_DEFAULT_TIMEZONE", "+01:00")
    assert plaintext.parse(text).published == "2024-03-14T17:05:00+01:00"


def test_first_paragraph_is_not_a_title_when_it_is_a_sentence():
    got = plaintext.parse(f"{ENGLISH}\n\nThe ministry said it would respond.")
    assert got.title is None
    assert got.text.startswith("North Korea fired")


def test_hard_wrapped_paragraphs_are_joined():
    text = ("Title\n\nThe customs services of three neighbouring countries have agreed to\nshare data on "
            "shipments of machine tools and electronics, officials\nsaid on Thursday.\n\nA second paragraph "
            "follows here and it is wrapped as well at\na fixed width of about seventy characters by the\n"
            "newsletter that carried it.\n")
    got = plaintext.parse(text)
    assert got.text.split("\n\n") == [
        "The customs services of three neighbouring countries have agreed to share data on shipments of machine "
        "tools and electronics, officials said on Thursday.",
        "A second paragraph follows here and it is wrapped as well at a fixed width of about seventy characters "
        "by the newsletter that carried it."]


def test_short_header_lines_are_not_taken_for_wrapped_text():
    text = f"By Kim Min-ji\nPosted : 2024-03-14 17:05\n\n{ENGLISH}\nThe ministry said it would respond."
    assert plaintext.parse(text).text == f"{ENGLISH}\n\nThe ministry said it would respond."


def test_copyright_lines_go_but_prose_about_copyright_stays():
    text = (f"{ENGLISH}\n\nCopyright © Chosunilbo & Chosun.com\n\nThe court ruled that the copyright claim "
            "against the broadcaster was invalid.")
    got = plaintext.parse(text)
    assert "Chosunilbo" not in got.text
    assert got.text.endswith("the copyright claim against the broadcaster was invalid.")


# -- encodings ---------------------------------------------------------------------------------------------
KOREAN = "북한이 23일 동해상으로 탄도미사일을 발사했다고 합동참모본부가 밝혔다. 북한은 올해 들어 여러 차례 미사일을 쐈다."


def test_decode_euc_kr_page_by_its_meta_charset_including_cp949_syllables():
    page = f'<html><head><meta charset="euc-kr"></head><body><p>{KOREAN} 똠방각하</p></body></html>'
    assert encoding.decode(page.encode("cp949"), "page.html") == page


def test_decode_http_equiv_and_xml_declaration():
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=ks_c_5601-1987">'
            f"</head><body>{KOREAN}</body></html>")
    assert encoding.decode(page.encode("cp949"), "p") == page
    xml = f'<?xml version="1.0" encoding="EUC-KR"?><rss><item>{KOREAN}</item></rss>'
    assert encoding.decode(xml.encode("euc-kr"), "feed.xml") == xml


def test_decode_unlabelled_korean_and_boms():
    assert encoding.decode(KOREAN.encode("euc-kr"), "k.txt") == KOREAN
    assert encoding.decode(b"\xef\xbb\xbf" + "Café".encode("utf-8"), "b") == "Café"
    assert encoding.decode("Seoul 서울".encode("utf-16"), "u16") == "Seoul 서울"


def test_decode_latin1_label_means_windows_1252():
    page = '<html><head><meta charset="iso-8859-1"></head><body>Pyongyang’s café</body></html>'
    assert encoding.decode(page.encode("cp1252"), "p") == page


@pytest.mark.parametrize("data, words", [
    (b"", "empty"), (b"   \n\t ", "empty"), (b"%PDF-1.7\n%\xe2\xe3", "PDF"),
    (b"\x1f\x8b\x08\x00\x00\x00", "gzip"), (b"abc\x00\x01\x02\x03def" * 20, "binary"),
    (b"\xff\xfeA\x00B", "byte-order mark"),
])
def test_decode_rejects_with_reason_and_source(data, words):
    with pytest.raises(InputError) as err:
        encoding.decode(data, "bad.bin")
    assert words in str(err.value)
    assert err.value.source == "bad.bin" and err.value.fix


# -- language ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, code", [
    (ENGLISH, "en"),
    ("Der Bundestag hat am Donnerstag ein neues Gesetz beschlossen, das die Sanktionen gegen Nordkorea verschärft.", "de"),
    ("Le gouvernement a annoncé jeudi de nouvelles sanctions contre la Corée du Nord et ses entreprises.", "fr"),
    (KOREAN, "ko"), ("北朝鮮は木曜日、弾道ミサイルを発射したと韓国軍が発表した。", "ja"),
    ("Too short", None),
])
def test_language(text, code):
    assert language.detect(text) == code


# -- read(): the ingest entry point ---------------------------------------------------------------------------
def raw_text(text: str, source: str = "a.txt") -> RawInput:
    return RawInput(source, "text", data=text.encode("utf-8"))


def test_read_reports_language_and_rejects_non_english():
    assert article.read(raw_text(ENGLISH)).language == "en"
    german = "Nordkorea hat am Donnerstag eine Rakete abgefeuert, wie das Militär in Seoul mitteilte. " * 3
    with pytest.raises(UnsupportedLanguage) as err:
        article.read(raw_text(german, "de.txt"))
    assert "'de'" in str(err.value) and err.value.source == "de.txt"


def test_languages_setting_lets_other_languages_in(monkeypatch):
    monkeypatch.setenv("DATELINE_LANGUAGES", "en,de")
    german = "Nordkorea hat am Donnerstag eine Rakete abgefeuert, wie das Militär in Seoul mitteilte. " * 3
    assert article.read(raw_text(german)).language == "de"


def test_read_rejects_too_long_text(monkeypatch):
    monkeypatch.setenv("DATELINE_MAX_CHARS", "100")
    with pytest.raises(InputError, match="over the limit"):
        article.read(raw_text(ENGLISH * 3))


def test_read_rejects_deep_html(monkeypatch):
    monkeypatch.setenv("DATELINE_MAX_HTML_DEPTH", "50")
    page = "<html><body>" + "<div>" * 80 + f"<p>{ENGLISH}</p>" + "</div>" * 80 + "</body></html>"
    with pytest.raises(InputError, match="nested"):
        article.read(RawInput("deep.html", "html", data=page.encode()))


@pytest.mark.parametrize("page", [b"<html><head><title>Only a title</title></head></html>",
                                  b"<html><body><script>var x = 1;</script></body></html>",
                                  b"<html><body><div><div></body>"])
def test_read_rejects_html_without_a_body(page):
    with pytest.raises(InputError) as err:
        article.read(RawInput("x.html", "html", data=page))
    assert err.value.source == "x.html"


def test_read_reraises_a_source_error():
    error = InputError("line is not JSON", fix="make each line one JSON object", source="a.jsonl:3")
    with pytest.raises(InputError, match="not JSON"):
        article.read(RawInput("a.jsonl:3", "record", error=error))


def test_record_metadata_wins_but_dateline_is_still_detected():
    meta = {"text": f"Seoul protests launch\nSEOUL, Oct 23 (Yonhap) -- {ENGLISH}", "title": "Seoul protests launch",
            "published": "2015-10-23", "outlet": "Example Wire", "authors": "Kim Min-ji; Lee Jae-won",
            "url": "https://example.test/a"}
    got = article.read(RawInput("r.jsonl:1", "record", meta=json.loads(json.dumps(meta))))
    assert (got.title, got.published, got.outlet, got.url) == ("Seoul protests launch", "2015-10-23",
                                                                "Example Wire", "https://example.test/a")
    assert got.authors == ["Kim Min-ji", "Lee Jae-won"]
    assert got.dateline == "SEOUL, Oct 23 (Yonhap)"
    assert got.text.startswith("SEOUL, Oct 23 (Yonhap) -- North Korea")


def test_record_paragraphs_on_single_newlines_are_joined_with_blank_lines():
    got = article.read(RawInput("r:1", "record", meta={"text": f"{ENGLISH}\nThe ministry said it would respond."}))
    assert got.text == f"{ENGLISH}\n\nThe ministry said it would respond."


# -- robustness: any input either reads or is rejected with InputError ------------------------------------------
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st  # noqa: E402

LINES = st.sampled_from(["", "By Kim Min-ji", "Posted : 2015-10-23 17:05", "Copyright © Chosunilbo & Chosun.com",
                         "Previous Next", "SEOUL, Oct 23 (Yonhap) --", ENGLISH, "[Photo: Yonhap]", "Title line",
                         "•", "(END)", "Share", "Oct 23", "—"])


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(LINES, st.text(max_size=80)), max_size=12))
def test_scrapes_of_any_shape_read_or_are_rejected(lines):
    text = "\n".join(lines)
    try:
        got = article.read(raw_text(text))
    except InputError:
        return
    assert got.text and got.text == got.text.strip()
    assert set(got.text.split()) <= set(text.split())  # the body is cut from the input, never invented
    assert "Previous Next" not in got.text and "Copyright" not in got.text


@hsettings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_read_or_are_rejected(data):
    for kind in ("text", "html"):
        try:
            article.read(RawInput("fuzz", kind, data=data))
        except InputError as err:
            assert err.source == "fuzz"


# -- HTML helpers ------------------------------------------------------------------------------------------------
def test_clean_title_drops_the_site_name():
    from dateline.article.html import clean_title

    assert clean_title("Sanctions widened | The Japan Times", None, None) == "Sanctions widened"
    assert clean_title("Sanctions widened - Harbor Ledger", "Harbor Ledger", None) == "Sanctions widened"
    assert clean_title("Sanctions widened - Harbor Ledger", None, "https://www.harborledger.example/x") == "Sanctions widened"
    assert clean_title("Kim - the man - and the myth", None, "https://example.test") == "Kim - the man - and the myth"


def test_page_byline_from_author_elements():
    import lxml.html

    from dateline.article.html import page_byline

    page = lxml.html.fromstring('<html><body><div class="post-byline">Posted on September 21, 2020 by Adi Tal'
                                '</div><p>text</p></body></html>')
    assert page_byline(page) == ["Adi Tal"]
    page = lxml.html.fromstring('<html><body><span class="author">By Staff Writer</span></body></html>')
    assert page_byline(page) == []


def test_implausible_author_fields_are_dropped():
    assert bylines.split_names("Art Edwards says") == []
    assert bylines.split_names("JIJI") == ["JIJI"]


@pytest.mark.parametrize("value, iso", [
    ("2024-05-27", "2024-05-27"), ("May 27, 2024 10:00 KST", "2024-05-27T10:00:00+09:00"),
    (1703376000000, "2023-12-24T00:00:00+00:00"), (1703376000, "2023-12-24T00:00:00+00:00"),
    ("sometime last spring", None),  # unreadable: dropped, never kept raw
])
def test_record_published_values_become_iso(value, iso):
    assert article.published_value(value) == iso


def test_knowledge_files_are_extended_from_data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "article"
    folder.mkdir()
    (folder / "outlets.yaml").write_text(
        "outlets:\n  - name: Harbor Ledger\n    aliases: [Harbor Ledger, HL Media]\n    timezone: Asia/Manila\n",
        encoding="utf-8")
    monkeypatch.setenv("DATELINE_DATA_DIR", str(tmp_path))
    article.reload()
    try:
        got = plaintext.parse(f"Port checks\n\nMarch 1, 2024 08:00\n\n{ENGLISH}\n\n© 2024 HL Media")
        assert got.outlet == "Harbor Ledger"
        assert got.published == "2024-03-01T08:00:00+08:00"
        assert outlets.name_of("Copyright © Chosunilbo & Chosun.com") == "Chosun Ilbo"  # bundled rows kept
    finally:
        monkeypatch.delenv("DATELINE_DATA_DIR")
        article.reload()
    assert outlets.name_of("© 2024 HL Media") == "HL Media"


@pytest.mark.parametrize("header, title, authors, published", [
    ("Missile fired\nBy Kim Min-ji | Oct 23, 2015 | Updated Oct 24, 2015", "Missile fired", ["Kim Min-ji"], "2015-10-23"),
    ("Missile fired\nWritten by Kim Min-ji on October 23, 2015", "Missile fired", ["Kim Min-ji"], "2015-10-23"),
    ("Missile fired\nBy Kim Min-ji, Friday, October 23, 2015 10:49 KST", "Missile fired", ["Kim Min-ji"],
     "2015-10-23T10:49:00+09:00"),
    ("Missile fired\n\nOct 23, 2015 | 10:49 AM", "Missile fired", [], "2015-10-23T10:49:00"),
    ("Missile fired\nLast Updated : 2015-10-23 17:05 (KST)", "Missile fired", [], "2015-10-23T17:05:00+09:00"),
    ("Kim Jong-un (center) inspects a launch in this photo released by KCNA. (KCNA-Yonhap)", None, [], None),
    ("Missile fired\nBy Kim Min-ji\nkimminji@example.com\n2015-10-23 10:49", "Missile fired", ["Kim Min-ji"],
     "2015-10-23T10:49:00"),
])
def test_header_layouts(header, title, authors, published):
    got = plaintext.parse(f"{header}\n\n{ENGLISH}\n\nThe ministry said it would respond.")
    assert (got.title, got.authors, got.published) == (title, authors, published)
    assert got.text == f"{ENGLISH}\n\nThe ministry said it would respond."


@pytest.mark.parametrize("footer", [
    "Kim Min-ji kimminji@example.com",
    "Share on Facebook\nShare on Twitter\n\nWe recommend\nSeoul stocks close higher",
    "(END)\n\nMost viewed\nK-pop star returns\nWeather: rain expected",
    "Reporting by Kim Min-ji; Editing by Lee Jae-won",
])
def test_footer_layouts(footer):
    got = plaintext.parse(f"Missile fired\n\n{ENGLISH}\n\nThe ministry said it would respond.\n\n{footer}")
    assert got.text == f"{ENGLISH}\n\nThe ministry said it would respond."


def test_record_published_values_in_layouts_only_dateparser_knows():
    from dateline.article import published_value

    assert published_value("23 octobre 2015") == "2015-10-23"
    assert published_value("Fri, 23 Oct 2015 10:49:00 +0900") == "2015-10-23T10:49:00+09:00"
    assert published_value("1445564940000") == "2015-10-23T01:49:00+00:00"
    assert published_value("yesterday") is None  # never relative to the day of reading
    assert published_value("no date here") is None


def test_names_glued_by_a_scrape_get_their_spaces_back():
    from dateline.article import read
    from dateline.sources import RawInput

    text = "Respected ComradeKim Jong Unvisited the PresidentKim Il SungUniversity on Monday, state media said."
    art = read(RawInput("x", "record", meta={"text": text, "title": "ComradeKim Jong Unvisits a school"}))
    assert "Comrade Kim Jong Un visited the President Kim Il Sung University" in art.text
    assert art.title == "Comrade Kim Jong Un visits a school"
    assert read(RawInput("y", "record", meta={"text": "McDonald opened an iPhone store in YouTube town today."})).text \
        == "McDonald opened an iPhone store in YouTube town today."
    from dateline.article.unglue import unglue

    assert unglue("xKim Il SungKim Il Sung and Kim Jong Il.") == "x Kim Il Sung Kim Il Sung and Kim Jong Il."
