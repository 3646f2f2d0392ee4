"""Every bundled example under examples/articles/ (invented articles written for these tests, in the layouts
news sites use) read as a reader should: title, authors, publication time, outlet, dateline, where the body
starts and ends, and which header, footer and boilerplate lines are gone."""
from __future__ import annotations

from pathlib import Path

import pytest

import dateline.article as article
from dateline.sources import iter_inputs

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "articles"

E = dict  # one expectation
CASES = {
    "01_yonhap_posted.txt": E(
        title="N. Korea fires two short-range ballistic missiles into East Sea: JCS", authors=["Kim Soo-yeon"],
        published="2024-03-14T17:05:00+09:00", outlet="Yonhap News Agency", dateline="SEOUL, March 14 (Yonhap)",
        start="SEOUL, March 14 (Yonhap) -- North Korea fired", end="inside its exclusive economic zone.",
        gone=["Posted", "By Kim Soo-yeon", "(END)", "Facebook", "Copyright", "Related Articles", "slams allied drills"]),
    "02_herald_staff_reporter.txt": E(
        title="Seoul sanctions 11 North Koreans over illicit IT worker schemes", authors=["Park Ji-won"],
        published="2024-01-09T15:32:00+09:00", outlet="The Korea Herald", dateline=None,
        start="South Korea on Tuesday imposed", end="since late 2022.",
        gone=["Designations target", "Published :", "Updated :", "Staff Reporter", "Park Ji-won", "@", "©"]),
    "03_reuters_tokyo.txt": E(
        title="Japan, South Korea to share missile warning data in real time from December",
        authors=["Kenta Mori", "Hana Lee"], published="2023-10-03T06:12:00+00:00", outlet="Reuters",
        dateline="TOKYO, Oct 3 (Reuters)", start="TOKYO, Oct 3 (Reuters) - Japan and South Korea",
        end="evacuation alerts in northern prefectures.", gone=["Reporting by", "Editing by", "Our Standards"]),
    "04_ap_washington.txt": E(
        title="US targets shipping network accused of moving North Korean coal",
        authors=["Daniel Okafor", "Ellen Sohn"], published="2024-04-02T17:41:00-04:00", outlet="Associated Press",
        dateline="WASHINGTON (AP)", start="WASHINGTON (AP) — The Treasury Department",
        end="bars Americans from dealing with them.", gone=["DANIEL OKAFOR", "Updated 5:41", "Copyright"]),
    "05_kcna_no_title.txt": E(
        title=None, authors=[], published=None, outlet="KCNA", dateline="Pyongyang, February 15 (KCNA)",
        start="Pyongyang, February 15 (KCNA) -- A delegation", end="between the two countries.", gone=[]),
    "06_chosun_bullet.txt": E(
        title="N.Korean Restaurant Staff Defect en Masse from China", authors=["Kim Myong-song"],
        published="2016-04-08T08:29:00+09:00", outlet="Chosun Ilbo", dateline=None,
        start="Thirteen North Korean workers", end="US$10 million a year for the regime.",
        gone=["•", "By Kim Myong-song", "April 8, 2016 08:29", "Copyright", "Previous Next", "All Headlines",
              "Back to Top"]),
    "07_joongang_date_first.txt": E(
        title="Seoul to hold first nuclear consultative meeting with U.S. in July", authors=["Sarah Kim"],
        published="2023-06-16", outlet="Korea JoongAng Daily", dateline=None,
        start="The first meeting of the Nuclear Consultative Group", end="the full range of its capabilities.",
        gone=["Friday, June 16", "BY SARAH KIM", "joongang.example", "Copyright"]),
    "08_nknews_several_authors.txt": E(
        title="North Korea unveils what it calls a 'tactical nuclear attack submarine'",
        authors=["Colin Park", "Jeongmin Lee", "Chad O'Brien"], published="2023-09-08T09:14:00+09:00",
        outlet="NK News", dateline=None, start="North Korea has launched a new submarine",
        end="a summit with President Vladimir Putin.",
        gone=["Share this article", "Related articles", "inspects naval drills", "underwater nuclear drone", "©"]),
    "09_unknown_outlet_staff_writer.txt": E(
        title="Port city braces for surge in cargo inspections under new sanctions rules", authors=["Maria Alvarez"],
        published="2022-11-23", outlet="Harbor Ledger Media", dateline=None,
        start="Customs officers at the city's container terminal", end="raise costs for small traders.",
        gone=["Staff Writer", "23 Nov 2022", "Advertisement", "All rights reserved"]),
    "10_korea_times_captions.txt": E(
        title="North Korea says it put military spy satellite into orbit", authors=["Lee Hyo-jin"],
        published="2023-11-22T10:21:00+09:00", outlet="The Korea Times", dateline=None,
        start="North Korea said Wednesday", end="resuming aerial surveillance near the border.",
        gone=["Posted :", "(KCNA-Yonhap)", "This photo, released by", "[Photo: Yonhap]", "koreatimes.co.kr"]),
    "11_bbc_no_byline.txt": E(
        title="Russia and North Korea deepen ties as arms deal fears grow", authors=[], published="2023-10-23",
        outlet="BBC News", dateline=None, start="Western officials say North Korea has shipped",
        end="strengthen cooperation in all fields.", gone=["Share", "Related Topics", "Copyright", "\n\nRussia"]),
    "12_hardwrapped_newsletter.txt": E(
        title="Baltic states tighten checks on dual-use exports", authors=["Elena Petrova"],
        published="2021-07-08T14:30:00", outlet="The Baltic Dispatch", dateline=None,
        start="Customs services in Estonia, Latvia and Lithuania have agreed to share data on shipments",
        end="radio parts and precision bearings.", gone=["By Elena", "2021-07-08", "Copyright", "share\ndata"]),
    "13_xinhua_updated.txt": E(
        title="China calls for restraint after latest launch on Korean Peninsula", authors=[],
        published="2024-05-30T21:07:00+08:00", outlet="Xinhua", dateline="BEIJING, May 30 (Xinhua)",
        start="BEIJING, May 30 (Xinhua) -- China on Thursday", end="peace and stability in the region.",
        gone=["Updated:", "Editor: Wang Lei"]),
    "14_kyodo_breadcrumb.txt": E(
        title="Japan to extend sanctions on North Korea by two years", authors=[],
        published="2024-03-02T19:45:00+09:00", outlet="Kyodo News", dateline=None,
        start="The Japanese government decided Saturday", end="approved by the Cabinet next month.",
        gone=["Home >", "KYODO NEWS", "Tags:"]),
    "15_opinion_no_date.txt": E(
        title="Sanctions alone will not bring Pyongyang back to the table", authors=["Priya Natarajan"],
        published=None, outlet=None, dateline=None, start="For almost two decades",
        end="a senior fellow at a security research institute.", gone=["By Priya", "Sign up", "Most viewed"]),
    "16_voa_masthead.txt": E(
        title="South Korea's new president vows tougher line on North Korea", authors=["Anita Cole"],
        published="2022-03-10T16:05:00-05:00", outlet="Voice of America", dateline="SEOUL, SOUTH KOREA",
        start="SEOUL, SOUTH KOREA — South Korea's president-elect", end="components of a spy satellite.",
        gone=["Voice of America", "By Anita Cole", "4:05 PM"]),
    "20_herald_page.html": E(
        title="UN panel says N. Korea stole record crypto in 2023", authors=["Choi Eun-ji"],
        published="2024-02-08T09:12:00+09:00", outlet="The Korea Herald", dateline=None,
        start="North Korean hackers stole an estimated $750 million", end="request for comment on the report.",
        gone=["Sign in", "Most Popular", "Seoul stocks open", "Huam-ro", "Facebook", "Published :"]),
    "21_donga_euckr.html": E(
        title="Defector group sends leaflets by balloon despite ban", authors=["Jung Min-ho"],
        published="2023-10-19T14:20:00+09:00", outlet="Dong-A Ilbo", dateline=None,
        start="A group of North Korean defectors said Thursday", end="people living in border areas.",
        gone=["정치", "충정로", "Copyright"], contains=["Park Sang-hak (박상학)"]),
    "22_analysis_page.html": E(
        title="What North Korea's new solid-fuel missile means for deterrence", authors=["Tomas Berg"],
        published="2023-04-14T08:00:00-04:00", outlet="Peninsula Security Review", dateline=None,
        start="North Korea's first test of a solid-fuel", end="talks on denuclearization remain stalled.",
        gone=["Great analysis", "Share this", "Newsletter", "Privacy", "Comments"]),
    "30_records.jsonl:1": E(
        title="North Korea says it tested new multiple-warhead missile", authors=["Han Ji-woo"],
        published="2024-07-01T20:30:00+09:00", outlet="Yonhap News Agency", dateline="SEOUL, July 1 (Yonhap)",
        start="SEOUL, July 1 (Yonhap) -- North Korea said Monday", end="waters off the east coast.",
        gone=["(END)", "multiple-warhead missile\n"]),
    "30_records.jsonl:2": E(
        title="After the panel: who will monitor sanctions on North Korea?", authors=["Grace Obi"],
        published="2024-04-02T10:00:00-04:00", outlet="Peninsula Security Review", dateline=None,
        start="The U.N. panel of experts", end="attention shifts to other crises.", gone=["Home", "©"]),
    "30_records.jsonl:3": E(
        title=None, authors=[], published=None, outlet="Associated Press", dateline="WASHINGTON (AP)",
        start="WASHINGTON (AP) — The United States on Friday", end="used ransomware to extort payments.",
        gone=["Copyright"]),
}


def _read_all() -> dict:
    return {raw.source.replace(str(EXAMPLES) + "/", ""): article.read(raw) for raw in iter_inputs([str(EXAMPLES)])}


@pytest.fixture(scope="module")
def readings() -> dict:
    return _read_all()


def test_every_example_has_expectations(readings):
    assert set(readings) == set(CASES)
    assert sum(name.endswith(".txt") for name in CASES) >= 14


@pytest.mark.parametrize("name", sorted(CASES))
def test_example(readings, name):
    got, want = readings[name], CASES[name]
    assert got.title == want["title"]
    assert got.authors == want["authors"]
    assert got.published == want["published"]
    assert got.outlet == want["outlet"]
    assert got.dateline == want["dateline"]
    assert got.language == "en"
    assert got.text.startswith(want["start"]), got.text[:120]
    assert got.text.endswith(want["end"]), got.text[-120:]
    assert got.text == got.text.strip() and "\n\n\n" not in got.text
    for snippet in want["gone"]:
        assert snippet not in got.text, snippet
    for snippet in want.get("contains", []):
        assert snippet in got.text, snippet
