"""Benchmarks, reported as ratios against a baseline run in the same session: `dateline bench ...`.

`throughput` runs, on the same input and with the same process count, (a) bare spaCy `nlp.pipe` with the
same model and (b) the whole dateline ingest into a fresh store, each in its own child process so that
peak memory (RSS, the process and its workers) is measured separately. The ratio is b/a in articles per
second: 1.0 means dateline costs nothing on top of the parser.
"""
from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

# A generated corpus: news-like prose from templates, so the benchmark needs no data set. Placeholders are
# filled at random with a fixed seed, so the same N gives the same corpus.
_ACTORS = ["North Korean officials", "South Korean police", "the Japanese government", "Chinese coast guard ships",
           "Russian diplomats", "the United Nations Security Council", "rebel fighters", "protesters in the capital",
           "the defence ministry", "a senior official of the ruling party", "border guards", "the central bank"]
_TARGETS = ["a fishing boat", "opposition leaders", "three journalists", "a cargo ship", "the embassy",
            "foreign investors", "the finance minister", "a military convoy", "local farmers", "the port"]
_PLACES = ["Seoul", "Pyongyang", "Beijing", "Tokyo", "Moscow", "Busan", "Vladivostok", "Dandong", "Geneva",
           "Nairobi", "Caracas", "Kabul", "the Caribbean", "Southeast Asia", "Jakarta", "Manila"]
_WHEN = ["on Monday", "on Tuesday", "last week", "last year", "earlier this month", "in March", "in 2019",
         "two weeks ago", "on Oct. 5", "in the 1990s", "yesterday", "this year"]
_SOURCES = ["a source said", "officials said", "the ministry said in a statement", "according to Yonhap",
            "state media reported", "a diplomat told reporters"]
_TEMPLATES = [
    "{actor} arrested {target} in {place} {when}, {source}.",
    "{actor} reportedly defected to {place} {when} with ${n} million.",
    "{actor} launched two ballistic missiles from near {place} {when}, {source}.",
    "{actor} accused {target} of spying {when}.",
    "{actor} met {target} in {place} {when} to discuss sanctions.",
    "{actor} imposed sanctions on {target} {when}, {source}.",
    "At least {n} people were killed when {actor} attacked {target} near {place} {when}.",
    "{actor} denied that it had seized {target} {when}.",
    "{actor} threatened to strike {target} if the drills continue, {source}.",
    "{actor} agreed to send {n},000 tons of rice to {place} {when}.",
    "The meeting in {place} ended without an agreement, {source}.",
    "Trade between the two countries fell from {n} billion dollars in 2013 to {m} billion in 2014.",
]


# Sentences that carry no event: context, background, colour, non-answers. News articles are mostly these.
_BACKGROUND = [
    "The {topic} has long been a source of friction between the two sides.",
    "{place} is home to about {n} million people, many of them young.",
    "Trade and tourism make up a large share of the local economy.",
    "Analysts said the move reflected growing concern over the {topic}.",
    "The government has not published figures on the {topic} since {year}.",
    "Prices of rice and fuel have risen steadily, and many families depend on money sent from abroad.",
    "The announcement came as {place} prepared for its annual holiday.",
    "Officials did not respond to requests for comment.",
    "The agency, which was founded in {year}, answers directly to the cabinet.",
    "It was not immediately clear how many people were affected.",
    "The weather in the region has been unusually dry this season.",
    "Residents said daily life went on largely as before.",
    "The issue is likely to feature prominently at next month's summit.",
    "Few independent observers have been able to visit the area in recent years.",
    "The {topic} remains one of the most sensitive subjects in the capital.",
    "Local newspapers carried the story on their front pages.",
    "Experts cautioned that the full picture may take weeks to emerge.",
    "The region's roads and railways are in poor repair, which makes travel slow.",
]
_TOPICS = ["border dispute", "fishing rights question", "sanctions regime", "nuclear programme", "food shortage",
           "energy crisis", "refugee question", "trade deficit"]

# Styles of generated article. `news`: articles of about 300 words (KCNA's stories average 350) in which a
# quarter of the sentences report an event, giving about 2.8 events per 100 words, between the KCNA stories (1.4)
# and the bundled example articles (3.1). `dense`: short articles in which every sentence is an event with a
# place and a date (about 8 per 100 words): a worst case for the rule stages and for linking.
STYLES = {"news": {"sentences": (18, 30), "events": 0.25}, "dense": {"sentences": (8, 14), "events": 1.0}}


def generate(n: int, seed: int = 7, style: str = "dense") -> list[dict]:
    """`n` articles as JSON Lines records with text, title and publication date, in one of `STYLES`."""
    rng = random.Random(seed)
    shape = STYLES[style]
    out = []
    for i in range(n):
        sentences = [_sentence(rng, shape["events"] >= 1 or rng.random() < shape["events"])
                     for _ in range(rng.randint(*shape["sentences"]))]
        paragraphs = [" ".join(sentences[j:j + 2]) for j in range(0, len(sentences), 2)]
        day = 1 + i % 28
        out.append({"text": "\n\n".join(paragraphs), "title": f"Report {i}", "outlet": "Bench Wire",
                    "published": f"2024-{1 + i % 12:02d}-{day:02d}T09:00:00+09:00", "url": f"https://example.org/{i}"})
    return out


def _sentence(rng: random.Random, event: bool) -> str:
    if event:
        s = rng.choice(_TEMPLATES).format(actor=rng.choice(_ACTORS), target=rng.choice(_TARGETS),
                                          place=rng.choice(_PLACES), when=rng.choice(_WHEN),
                                          source=rng.choice(_SOURCES), n=rng.randint(2, 90), m=rng.randint(2, 90))
    else:
        s = rng.choice(_BACKGROUND).format(topic=rng.choice(_TOPICS), place=rng.choice(_PLACES),
                                           n=rng.randint(2, 30), year=rng.randint(1990, 2020))
    return s[0].upper() + s[1:]


def kcna_corpus(path: Path, n: int) -> list[dict]:
    """Up to `n` distinct KCNA stories from the archive in ../shared/data/north-korea/kcna (for measuring
    only). The archive repeats some stories; each text is taken once, so every one is a new article."""
    from datetime import datetime, timezone

    items, seen = [], set()
    for file in sorted(path.glob("*.json")):
        for item in json.loads(file.read_text(encoding="utf-8")):
            text = item.get("story_text")
            if text and text not in seen:
                seen.add(text)
                published = datetime.fromtimestamp(item["date"] / 1000, tz=timezone.utc).date().isoformat()
                items.append({"text": text, "title": item.get("headline"), "outlet": "KCNA", "published": published})
            if len(items) >= n:
                return items
    return items


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round((own + kids) / 1024, 1)  # KiB on Linux


def _cpu_seconds() -> float:
    """User and system time of this process and of its finished children (the worker processes)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_phase(kind: str, corpus: Path, processes: int, model: Optional[str], db: Optional[str]) -> dict:
    """One measured phase, in this process (called in a child by `throughput` and `memory`). Loading the
    model and the libraries is a start-up cost, left out of both phases; CPU seconds count the workers too,
    and are what to compare on a machine that others are using."""
    articles, words = _count(corpus)
    if kind == "bare":
        import spacy

        from . import settings

        records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
        nlp = spacy.load(settings.get("model", model))
        start, cpu = time.perf_counter(), _cpu_seconds()
        for _ in nlp.pipe((r["text"] for r in records), batch_size=32, n_process=processes):
            pass
    else:
        from .pipeline import _nlp, ingest

        _nlp(model)  # load the model before the clock starts, as the bare phase does
        import datasketch  # noqa: F401  (the near-duplicate stage's library, with scipy: about 0.5 s)

        start, cpu = time.perf_counter(), _cpu_seconds()
        summary = ingest([str(corpus)], db=db, model=model, processes=processes)
        if summary.stored + summary.duplicates != articles:  # near copies are handled, not stored
            raise RuntimeError(f"bench ingest stored {summary.stored} of {articles}: {summary.rejected[:3]}")
    seconds, cpu = time.perf_counter() - start, _cpu_seconds() - cpu
    return {"articles": articles, "words": words, "seconds": round(seconds, 3), "cpu_seconds": round(cpu, 2),
            "articles_per_s": round(articles / seconds, 2), "words_per_s": round(words / seconds, 1),
            "peak_rss_mb": _peak_rss_mb()}


def _count(corpus: Path) -> tuple[int, int]:
    """(articles, words) of a JSON Lines corpus, read a line at a time: the ingest phase's peak memory must
    not include the whole corpus held as records (about 1.6 KB per generated article), which the ingest
    itself streams."""
    articles = words = 0
    with corpus.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                articles += 1
                words += len(json.loads(line)["text"].split())
    return articles, words


def _child(kind: str, corpus: Path, processes: int, model: Optional[str], db: Optional[str]) -> dict:
    cmd = [sys.executable, "-m", "dateline.bench", kind, str(corpus), str(processes), model or "", db or ""]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"bench phase {kind} failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def throughput(articles: int = 200, processes: int = 1, model: Optional[str] = None,
               corpus: Optional[Path] = None, style: str = "news", repeat: int = 1) -> dict:
    """Each phase `repeat` times, alternating (bare, dateline, bare, ...), each dateline run into a fresh
    store; the figures are those of each phase's fastest run (on a shared machine the slower runs measure
    the other users), and `runs` lists the seconds of every run."""
    bares, fulls = [], []
    with tempfile.TemporaryDirectory(prefix="dateline-bench-") as tmp:
        path = Path(tmp) / "corpus.jsonl"
        records = kcna_corpus(corpus, articles) if corpus else generate(articles, style=style)
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
        for i in range(max(1, repeat)):
            bares.append(_child("bare", path, processes, model, None))
            fulls.append(_child("dateline", path, processes, model, str(Path(tmp) / f"bench{i}.db")))
    bare, full = _fastest(bares), _fastest(fulls)
    return {"articles": len(records), "processes": processes, "corpus": str(corpus) if corpus else f"generated ({style})",
            "bare_spacy": bare, "dateline": full, "ratio": round(full["articles_per_s"] / bare["articles_per_s"], 3),
            "cpu_ratio": round(bare["cpu_seconds"] / full["cpu_seconds"], 3), "repeat": len(bares),
            "runs": {"bare_spacy": [r["seconds"] for r in bares], "dateline": [r["seconds"] for r in fulls]}}


def _fastest(runs: list[dict]) -> dict:
    """The fastest run's figures, with its CPU seconds the least of any run and the peak memory the most."""
    best = dict(min(runs, key=lambda r: r["seconds"]))
    best["cpu_seconds"] = min(r["cpu_seconds"] for r in runs)
    best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return best


def stages(articles: int = 100, model: Optional[str] = None, corpus: Optional[Path] = None,
           style: str = "news") -> dict:
    """Seconds spent in each pipeline component over the same articles, in this process, and each dateline
    stage's cost as a share of the spaCy parse (the model's own components)."""
    from . import nlp as nlp_stage

    records = kcna_corpus(corpus, articles) if corpus else generate(articles, style=style)
    nlp = nlp_stage.load(model)
    nlp(nlp_stage.make_doc(nlp, records[0]["text"], records[0].get("published")))  # loads lexicons: not timed
    seconds = {name: 0.0 for name, _ in nlp.pipeline}
    for record in records:
        doc = nlp_stage.make_doc(nlp, record["text"], record.get("published"))
        for name, proc in nlp.pipeline:
            start = time.perf_counter()
            doc = proc(doc)
            seconds[name] += time.perf_counter() - start
    ours = nlp_stage.stage_names(nlp)
    parse = sum(v for k, v in seconds.items() if k not in ours)
    rows = [{"component": k, "seconds": round(v, 3), "share_of_parse": round(v / parse, 3) if k in ours else None}
            for k, v in seconds.items()]
    total = sum(seconds[k] for k in ours)
    return {"articles": len(records), "parse_seconds": round(parse, 3), "dateline_seconds": round(total, 3),
            "components": rows, "ratio": round(total / parse, 3)}


def memory(small: int = 2000, large: int = 20000, processes: int = 2, model: Optional[str] = None) -> dict:
    """Peak memory (RSS of the ingest and its workers) for a small and a large generated corpus: flat memory
    means the ratio large/small stays near 1."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="dateline-bench-") as tmp:
        for n in (small, large):
            path = Path(tmp) / f"corpus{n}.jsonl"
            with path.open("w", encoding="utf-8") as f:
                for record in generate(n):
                    f.write(json.dumps(record) + "\n")
            result = _child("dateline", path, processes, model, str(Path(tmp) / f"bench{n}.db"))
            runs.append({"articles": n, **{k: result[k] for k in ("seconds", "articles_per_s", "peak_rss_mb")}})
            path.unlink()
    return {"processes": processes, "runs": runs, "ratio": round(runs[1]["peak_rss_mb"] / runs[0]["peak_rss_mb"], 3)}


def dask_scaling(articles: int = 200, workers: tuple[int, ...] = (1, 2), model: Optional[str] = None,
                 corpus: Optional[Path] = None) -> dict:
    """The Dask path on a local cluster with 1 and then 2 workers, same input: articles/s and speed-up."""
    from .scale import run_dask

    runs = []
    with tempfile.TemporaryDirectory(prefix="dateline-bench-") as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        records = kcna_corpus(corpus, articles) if corpus else generate(articles)
        per_file = max(1, len(records) // 16)  # several files, so there is something to partition
        for i in range(0, len(records), per_file):
            (folder / f"part{i:06d}.jsonl").write_text("\n".join(json.dumps(r) for r in records[i:i + per_file]) + "\n")
        for n in workers:
            start = time.perf_counter()
            result = run_dask([str(folder)], str(Path(tmp) / f"shards{n}"), workers=n, model=model)
            seconds = time.perf_counter() - start
            runs.append({"workers": n, "seconds": round(seconds, 2), "documents": result["documents"],
                         "articles_per_s": round(len(records) / seconds, 2)})
    base = runs[0]["articles_per_s"]
    for r in runs:
        r["speedup"] = round(r["articles_per_s"] / base, 2)
    return {"articles": len(records), "engine": "dask", "runs": runs, "ratio": runs[-1]["speedup"]}


if __name__ == "__main__":
    kind, corpus_path, procs, model_name, db_path = sys.argv[1:6]
    print(json.dumps(run_phase(kind, Path(corpus_path), int(procs), model_name or None, db_path or None)))
