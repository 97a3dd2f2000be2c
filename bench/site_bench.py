"""Benchmark: the web archive against Pelican, on the same Markdown issues.

Not a test: it prints a table and writes bench/results/site.json, and it asserts
nothing about speed (it does check that both sides built a page per issue).

What it does:

1. Writes N issues (650 by default) of realistic size into a temporary folder:
   15-40 KB of Markdown and 200-300 links each, like an issue of a long-running
   weekly, made from the sample week in data/sample/ (forum topics, Hex.pm
   packages, Hacker News and Reddit posts: their titles, texts and links). Each
   file has Pelican-style headers (Title, Date, Number, Tags, Summary), which
   both tools read.
2. Compiles Gazette to bytecode (``compile_gazette``: pip did so for Pelican),
   then times three kinds of build of each tool, every step in a fresh process so
   that peak memory (``os.wait4``'s rusage) is the step's own, after an
   ``os.sync()`` so that no step pays for the disk writes of the one before:
   - Gazette: ``import_archive`` (Markdown to HTML, once; `gazette
     import-archive`) then ``build_archive`` (the site; `gazette build-site`),
     each in its own process, on an empty database and folder (best of three);
     the same build again with nothing changed (best of three); one more issue
     imported and the site rebuilt. Search is off for the comparison (Pelican
     builds none); the same three steps with search on are reported beside
     (targets: full build at most a fifth of Pelican's, one new issue under
     2 s, peak memory below Pelican's). A step's peak memory is its largest
     process (``wait4`` counts the processes a step waited for: a full build
     writes half of its pages and half of its search segments in a fork).
   - Pelican (from PyPI, default theme, ``PLUGINS = []``; skipped with a
     message when it is not installed): the same folder built from scratch
     (best of three, each from an empty output folder and cache), built again,
     built again after the new file was added.
3. Prints each time (the work inside the process, plus the whole process with
   interpreter start-up), the ratios, the peak memory, and the issue's targets:
   full build at most a tenth of Pelican's, no-change rebuild under 0.3 s, one
   new issue under 1 s, peak memory below Pelican's.
4. The real archives in ../shared/corpora/archives/ (the Elixir blog, Redox
   news, Full Stack Python, the Rust blog), when that folder is there: each
   imported (with its site's address, so its relative links resolve) and built
   with search off (best of three), against Pelican building the same posts
   (best of three; the bodies as they are, the front matter rewritten as
   Pelican's headers, since Pelican reads no TOML), and against the archive's
   own generator where it is installed (Hugo for Redox news); then Gazette's
   full build again with search on. Targets: Gazette's full build at most a
   tenth of Pelican's with search off, a fifth with search on.

    python bench/site_bench.py            # 650 issues, then the real archives
    python bench/site_bench.py --quick    # 60 issues (well under a minute), no real archives
    python bench/site_bench.py --only-real  # the real archives alone

Pelican is not a Gazette dependency: ``make bench-tools`` installs it into the
venv (the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from common import compile_gazette

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
RESULTS = ROOT / "bench" / "results" / "site.json"
MIN_BYTES, MAX_BYTES = 15_000, 40_000
MIN_LINKS, MAX_LINKS = 200, 300
TARGETS = {
    "full_vs_pelican": 0.1,
    "no_change_s": 0.3,
    "one_new_s": 1.0,
    "real_full_vs_pelican": 0.1,
}
# The shared real archives (test data, never part of Gazette): name, the folder
# to import, the site's address (its relative links resolve there).
REAL_ARCHIVES = ROOT.parent / "shared" / "corpora" / "archives"
REAL = (
    ("elixir-lang-blog_jekyll-yaml", "_posts", "https://elixir-lang.org"),
    ("redox-os-news_hugo-toml", "content/news", "https://www.redox-os.org"),
    ("fullstackpython-blog_pelican", "content/posts", "https://www.fullstackpython.com"),
    ("rust-blog_zola-toml", "content", "https://blog.rust-lang.org"),
)
# With search on (one record per story, one segment a year).
SEARCH_TARGETS = {
    "search_full_vs_pelican": 0.2,
    "search_one_new_s": 2.0,
    "real_search_full_vs_pelican": 0.2,
}
# A build takes a second or less, so one busy moment of the machine (or of its
# disk) would swamp it: full builds (of both tools, each from an empty folder)
# and no-change rebuilds are measured this many times and the best kept.
REPEATS = 3
EMOJI = ("🔄", "🏠", "⚖️", "⚡", "🧪", "🚀", "📦", "🛠️", "🔍", "💡", "🧵", "📣")
TAGS = (
    "otp", "liveview", "phoenix", "ecto", "nerves", "testing", "ai", "deployment",
    "performance", "releases", "community", "tooling", "security", "databases",
)  # fmt: skip
_LINK_LINE = re.compile(r"\]\(https?://")


# --- the issues ------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    title: str
    url: str
    text: str


def sample_stories() -> list[Story]:
    """Titles, texts and links of the recorded sample week."""
    stories: list[Story] = []
    latest = json.loads((SAMPLE / "elixirforum.com" / "latest.json").read_text("utf-8"))
    for topic in latest["topic_list"]["topics"]:
        stories.append(
            Story(
                topic["title"],
                f"https://elixirforum.com/t/{topic['slug']}/{topic['id']}",
                _plain(topic.get("excerpt") or ""),
            )
        )
    for page in sorted((SAMPLE / "hex.pm" / "api").glob("packages@*.json")):
        for package in json.loads(page.read_text("utf-8")):
            description = (package.get("meta") or {}).get("description") or ""
            stories.append(Story(package["name"], package["html_url"], _plain(description)))
    hn = SAMPLE / "hn.algolia.com" / "api" / "v1" / "search_by_date@query=elixir&tags=story.json"
    for hit in json.loads(hn.read_text("utf-8"))["hits"]:
        if hit.get("url"):
            stories.append(Story(hit["title"], hit["url"], ""))
    reddit = json.loads(
        (SAMPLE / "www.reddit.com" / "r" / "elixir" / "new.json@limit=100").read_text()
    )
    for child in reddit["data"]["children"]:
        post = child["data"]
        stories.append(
            Story(post["title"], f"https://www.reddit.com{post['permalink']}", post["selftext"])
        )
    return [s for s in stories if s.title.strip()]


def _plain(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def sentence_pool(stories: list[Story]) -> list[str]:
    sentences = []
    for story in stories:
        for sentence in re.split(r"(?<=[.!?])\s+", story.text):
            sentence = sentence.strip().replace("[", "(").replace("]", ")")
            if 30 <= len(sentence) <= 300:
                sentences.append(sentence)
    return sentences


def make_issue(number: int, day: date, stories: list[Story], sentences: list[str]) -> str:
    """One issue as Markdown with Pelican-style headers, 15-40 KB, 200-300 links.

    Titles repeat across issues (as real ones do), so each has its own slug.
    """
    rng = random.Random(number)
    target_bytes = rng.randint(MIN_BYTES, MAX_BYTES)
    target_links = MIN_LINKS + (target_bytes - MIN_BYTES) * (MAX_LINKS - MIN_LINKS) // (
        MAX_BYTES - MIN_BYTES
    )
    lead = rng.choice(stories)
    title = f"{rng.choice(EMOJI)} {lead.title}"
    picks: list[str] = []
    quick: list[str] = []
    size = links = 0
    while size < target_bytes or links < target_links:
        if links / target_links < size / target_bytes:
            story = rng.choice(stories)
            line = f"- [{story.title}]({story.url}) {rng.choice(sentences)[:80]}"
            quick.append(line)
            links += 1
            size += len(line.encode("utf-8")) + 1
            continue
        story = rng.choice(stories)
        paragraphs = []
        for _ in range(rng.randint(1, 3)):
            words = " ".join(rng.choice(sentences) for _ in range(rng.randint(2, 5)))
            other = rng.choice(stories)
            paragraphs.append(f"{words} See [{other.title}]({other.url}) for **the details**.")
            links += 1
        block = (
            f"### {rng.choice(EMOJI)} {story.title}\n\n"
            + "\n\n".join(paragraphs)
            + f"\n\n[Read more]({story.url})\n"
        )
        links += 1
        picks.append(block)
        size += len(block.encode("utf-8")) + 1
    tags = ", ".join(sorted(rng.sample(TAGS, 3)))
    return (
        f"Title: {title}\nDate: {day.isoformat()}\nNumber: {number}\nTags: {tags}\n"
        f"Slug: issue-{number}\nSummary: {lead.title}\n\n"
        "Welcome to GigaElixir Gazette, your 5-minute digest of Elixir ecosystem news that"
        " actually matters 👋.\n\n## . WEEKLY PICKS .\n\n"
        + "\n".join(picks)
        + "\n## Quick links\n\n"
        + "\n".join(quick)
        + "\n\nSee you next week,  \nMichael\n"
    )


def write_issues(content: Path, count: int) -> dict[str, Any]:
    stories = sample_stories()
    sentences = sentence_pool(stories)
    content.mkdir(parents=True, exist_ok=True)
    total = links = 0
    for number in range(1, count + 1):
        text = make_issue(number, issue_date(number), stories, sentences)
        (content / f"issue-{number:04d}.md").write_text(text, "utf-8")
        total += len(text.encode("utf-8"))
        links += len(_LINK_LINE.findall(text))
    return {"issues": count, "markdown_bytes": total, "links": links}


def issue_date(number: int) -> date:
    return date(2013, 1, 7) + timedelta(weeks=number - 1)


# --- the measured steps (each runs in its own process) -----------------------------


def child(step: str, work: Path) -> dict[str, float]:
    """Run one step inside this process; returns seconds per phase."""
    timings: dict[str, float] = {}
    if step.startswith("gazette"):
        # What build_archive imports when it is called (the site, its templates,
        # search): imported before the clock starts, as `from pelican import
        # Pelican` imports Pelican's generators, readers and writers before
        # Pelican's is started. Interpreter start-up and imports are in each
        # step's whole-process time, for both tools.
        import gazette.publish
        import gazette.search  # noqa: F401
        from gazette.config import load_settings
        from gazette.importer import import_archive
        from gazette.pipeline import build_archive
        from gazette.store import open_store

        # gazette-import[+search] is `gazette import-archive`, gazette-build[+search]
        # `gazette build-site`: separate commands, so separate processes.
        search = step.endswith("+search")
        name = "site-search" if search else "site"
        settings = load_settings(work / ("search.toml" if search else "gazette.toml"))
        with open_store(work / f"{name}.db") as store:
            start = time.perf_counter()
            if step.startswith("gazette-import"):
                base_file = work / "base_url"
                base_url = base_file.read_text("utf-8") if base_file.exists() else ""
                import_archive(store, work / "content", base_url)
                timings["import"] = time.perf_counter() - start
            else:
                build_archive(store, settings, work / name)
                timings["build"] = time.perf_counter() - start
    elif step == "pelican":
        import logging

        from pelican import Pelican
        from pelican.settings import read_settings

        logging.disable(logging.WARNING)
        # A real archive is read from its copy with Pelican's headers.
        source = work / "pelican-content"
        settings = read_settings(
            None,
            override={
                "PATH": str(source if source.is_dir() else work / "content"),
                "OUTPUT_PATH": str(work / "pelican"),
                "SITENAME": "GigaElixir Gazette",
                "SITEURL": "https://bench.example.org",
                "TIMEZONE": "UTC",
                "DEFAULT_LANG": "en",
                "PLUGINS": [],
                "CACHE_PATH": str(work / "pelican-cache"),
            },
        )
        start = time.perf_counter()
        Pelican(settings).run()
        timings["build"] = time.perf_counter() - start
    elif step == "hugo":
        start = time.perf_counter()
        subprocess.run(
            ["hugo", "--quiet", "--source", str(work / "hugo-site")],
            check=True,
            capture_output=True,
        )
        timings["build"] = time.perf_counter() - start
    else:
        raise SystemExit(f"unknown step {step}")
    return timings


@dataclass(frozen=True)
class Run:
    step: str
    seconds: float  # the work inside the process(es)
    process_seconds: float  # the whole process(es), interpreter start-up included
    peak_mb: float  # the largest process
    phases: dict[str, float]

    def then(self, other: Run) -> Run:
        """Two steps run one after the other, as one measurement."""
        return Run(
            f"{self.step} + {other.step}",
            self.seconds + other.seconds,
            self.process_seconds + other.process_seconds,
            max(self.peak_mb, other.peak_mb),
            {**self.phases, **other.phases},
        )


def fastest_of(measure: Callable[[], Run]) -> Run:
    """The fastest of REPEATS measurements (each a fresh process, or two)."""
    return min((measure() for _ in range(REPEATS)), key=lambda run: run.seconds)


def gazette_full_build(work: Path, suffix: str) -> Run:
    """`gazette import-archive` then `gazette build-site`, on an empty database and folder."""
    name = "site-search" if suffix else "site"
    set_aside(work, work / name, *work.glob(f"{name}.db*"))
    return run_step(f"gazette-import{suffix}", work).then(run_step(f"gazette-build{suffix}", work))


def pelican_full_build(work: Path) -> Run:
    set_aside(work, work / "pelican", work / "pelican-cache")
    return run_step("pelican", work)


def set_aside(work: Path, *paths: Path) -> None:
    """Move ``paths`` out of the way (deleted with the work folder at the end).

    Not deleted here: for a minute after thousands of files are deleted, ext4
    on these machines skips their freed inodes one by one at every new file,
    which makes creating a file up to ten times slower, and the next build
    would measure that rather than itself.
    """
    aside = Path(tempfile.mkdtemp(prefix="aside-", dir=work))
    for path in paths:
        if path.exists():
            path.rename(aside / path.name)


def run_step(step: str, work: Path) -> Run:
    # Whatever earlier steps left for the disk to write (the issues, the last
    # build's files, their deletion) is written first, not during this step.
    os.sync()
    command = [sys.executable, str(Path(__file__).resolve()), "--child", step, "--work", str(work)]
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        stderr = process.stderr.read() if process.stderr else ""
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"step {step} failed:\n{stderr[-2000:]}")
        out.seek(0)
        phases = json.loads(out.read().strip().splitlines()[-1])
    return Run(step, sum(phases.values()), elapsed, usage.ru_maxrss / 1024, phases)


def pelican_available() -> bool:
    probe = "import pelican, markdown"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0


def count_pages(folder: Path, pattern: str) -> int:
    return sum(1 for _ in folder.glob(pattern))


# --- the real archives -------------------------------------------------------------

_HUGO_CONFIG = """baseURL = "https://www.redox-os.org/"
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404"]
buildFuture = true
[markup.goldmark.renderer]
unsafe = true
"""


def prepare_real(name: str, content: str, base_url: str, work: Path) -> dict[str, Any]:
    """The work folder of one real archive: a copy of its posts, Gazette's
    settings (search off), the posts as Pelican reads them and, for a Hugo
    archive, a one-layout Hugo site of them."""
    from gazette.importer import import_archive, split_front_matter
    from gazette.store import open_store

    work.mkdir(parents=True)
    shutil.copytree(REAL_ARCHIVES / name / content, work / "content")
    (work / "base_url").write_text(base_url, "utf-8")
    for config, search in (("gazette.toml", "false"), ("search.toml", "true")):
        (work / config).write_text(
            f'[publication]\nbase_url = "{base_url}/gazette"\n[site]\nsearch = {search}\n',
            "utf-8",
        )
    # Titles and dates as Gazette reads them (Pelican reads no TOML, nor a date
    # that is only in a Zola path); the Markdown bodies as they are.
    pelican_content = work / "pelican-content"
    pelican_content.mkdir()
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "g.db") as store:
        report = import_archive(store, work / "content", base_url)
        rows = store.db.query("select slug, title, published_on, markdown from issues")
        markdown_bytes = 0
        for index, row in enumerate(rows, 1):
            body = split_front_matter(row["markdown"])[1]
            title = " ".join(row["title"].split())
            (pelican_content / f"{index:04d}.md").write_text(
                f"Title: {title}\nDate: {row['published_on']}\n"
                f"Slug: {index}-{row['slug']}\n\n{body}",
                "utf-8",
            )
            markdown_bytes += len(row["markdown"].encode("utf-8"))
    if name.startswith("redox"):
        site = work / "hugo-site"
        (site / "layouts" / "_default").mkdir(parents=True)
        (site / "config.toml").write_text(_HUGO_CONFIG, "utf-8")
        (site / "layouts" / "_default" / "single.html").write_text(
            "<html><body><h1>{{ .Title }}</h1>{{ .Content }}</body></html>", "utf-8"
        )
        (site / "layouts" / "_default" / "list.html").write_text(
            "<html><body>{{ range .Pages }}<a href='{{ .RelPermalink }}'>{{ .Title }}</a>"
            "{{ end }}</body></html>",
            "utf-8",
        )
        shutil.copytree(work / "content", site / "content" / "news")
    return {"posts": len(report.imported), "markdown_bytes": markdown_bytes}


def bench_real_archives(work: Path, pelican: bool) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name, content, base_url in REAL:
        folder = work / "real" / name
        facts = prepare_real(name, content, base_url, folder)
        print(
            f"{name}: {facts['posts']} posts: gazette, full build (best of {REPEATS})", flush=True
        )
        entry: dict[str, Any] = {
            **facts,
            "gazette": asdict(fastest_of(partial(gazette_full_build, folder, ""))),
        }
        built = count_pages(folder / "site" / "issues", "*/index.html")
        if built != facts["posts"]:
            raise SystemExit(
                f"{name}: gazette built {built} issue pages, expected {facts['posts']}"
            )
        print(f"{name}: gazette with search, full build (best of {REPEATS})", flush=True)
        entry["gazette_search"] = asdict(fastest_of(partial(gazette_full_build, folder, "+search")))
        if pelican:
            print(f"{name}: pelican, full build (best of {REPEATS})", flush=True)
            entry["pelican"] = asdict(fastest_of(partial(pelican_full_build, folder)))
            entry["ratio"] = entry["gazette"]["seconds"] / entry["pelican"]["seconds"]
            entry["search_ratio"] = entry["gazette_search"]["seconds"] / entry["pelican"]["seconds"]
        if (folder / "hugo-site").is_dir() and shutil.which("hugo"):
            print(f"{name}: hugo, full build (best of {REPEATS})", flush=True)

            def hugo_build(folder: Path = folder) -> Run:
                set_aside(folder, folder / "hugo-site" / "public")
                return run_step("hugo", folder)

            entry["own"] = {"name": "Hugo", **asdict(fastest_of(hugo_build))}
        results[name] = entry
    return results


def real_report(real: dict[str, Any]) -> str:
    lines = [
        "real archives (import + build; with search: the search index too):",
        f"{'':32}{'posts':>6}{'gazette':>10}{'pelican':>10}{'ratio':>8}"
        f"{'+search':>10}{'ratio':>8}{'own generator':>22}",
    ]
    for name, entry in real.items():
        pelican = entry.get("pelican")
        own = entry.get("own")
        search = entry["gazette_search"]["seconds"]
        lines.append(
            f"{name:32}{entry['posts']:>6}{entry['gazette']['seconds']:>8.2f} s"
            + (
                f"{pelican['seconds']:>8.2f} s{entry['ratio']:>8.3f}"
                f"{search:>8.2f} s{entry['search_ratio']:>8.3f}"
                if pelican
                else f"{'-':>10}{'-':>8}{search:>8.2f} s{'-':>8}"
            )
            + (f"{own['name']:>14} {own['seconds']:.2f} s" if own else f"{'-':>22}")
        )
    lines.append(
        f"targets: ratio <= {TARGETS['real_full_vs_pelican']} with search off,"
        f" <= {SEARCH_TARGETS['real_search_full_vs_pelican']} with search on, on every real archive"
    )
    return "\n".join(lines)


# --- the report ---------------------------------------------------------------------


def report(results: dict[str, Any]) -> str:
    g = results["gazette"]
    p = results.get("pelican")
    s = results["gazette_search"]
    lines = [
        f"site archive: {results['issues']} issues, {results['markdown_bytes'] / 1e6:.1f} MB of"
        f" Markdown, {results['links']:,} links",
        f"{'':28}{'gazette':>10}{'pelican':>10}{'ratio':>8}   target",
    ]

    def row(label: str, key: str, target: str) -> None:
        gazette = g[key]["seconds"]
        pelican = p[key]["seconds"] if p else None
        ratio = f"{gazette / pelican:.3f}" if pelican else "-"
        pelican_text = f"{pelican:.2f} s" if pelican is not None else "-"
        lines.append(f"{label:28}{gazette:>8.2f} s{pelican_text:>10}{ratio:>8}   {target}")

    row("full build", "full", f"ratio <= {TARGETS['full_vs_pelican']}")
    lines.append(
        f"{'  of which import (Markdown)':28}{g['full']['phases'].get('import', 0):>8.2f} s"
    )
    row("no-change rebuild", "no_change", f"< {TARGETS['no_change_s']} s")
    row("one new issue", "one_new", f"< {TARGETS['one_new_s']} s")
    peak_p = f"{p['full']['peak_mb']:.0f} MB" if p else "-"
    lines.append(f"{'peak memory (full build)':28}{g['full']['peak_mb']:>7.0f} MB{peak_p:>10}")
    lines.append(
        f"{'whole process, no change':28}{g['no_change']['process_seconds']:>8.2f} s"
        "   (interpreter start-up and imports included)"
    )
    lines.append(
        f"with search: full {s['full']['seconds']:.2f} s, no change"
        f" {s['no_change']['seconds']:.2f} s, one new {s['one_new']['seconds']:.2f} s,"
        f" peak {s['full']['peak_mb']:.0f} MB (targets: full <= "
        f"{SEARCH_TARGETS['search_full_vs_pelican']} of Pelican's, one new"
        f" < {SEARCH_TARGETS['search_one_new_s']:g} s, peak below Pelican's)"
    )
    if not p:
        lines.append(f"pelican: {results['pelican_skipped']}")
    return "\n".join(lines)


def verdicts(results: dict[str, Any]) -> dict[str, bool | None]:
    g, p = results["gazette"], results.get("pelican")
    return {
        "full_vs_pelican": (
            g["full"]["seconds"] / p["full"]["seconds"] <= TARGETS["full_vs_pelican"]
        )
        if p
        else None,
        "no_change_s": g["no_change"]["seconds"] < TARGETS["no_change_s"],
        "one_new_s": g["one_new"]["seconds"] < TARGETS["one_new_s"],
        "peak_below_pelican": g["full"]["peak_mb"] < p["full"]["peak_mb"] if p else None,
        "real_full_vs_pelican": (
            all(e["ratio"] <= TARGETS["real_full_vs_pelican"] for e in results["real"].values())
            if results.get("real") and all("ratio" in e for e in results["real"].values())
            else None
        ),
        **search_verdicts(results),
    }


def search_verdicts(results: dict[str, Any]) -> dict[str, bool | None]:
    s, p = results["gazette_search"], results.get("pelican")
    return {
        "search_full_vs_pelican": (
            s["full"]["seconds"] / p["full"]["seconds"] <= SEARCH_TARGETS["search_full_vs_pelican"]
        )
        if p
        else None,
        "search_one_new_s": s["one_new"]["seconds"] < SEARCH_TARGETS["search_one_new_s"],
        "search_peak_below_pelican": s["full"]["peak_mb"] < p["full"]["peak_mb"] if p else None,
        "real_search_full_vs_pelican": (
            all(
                e["search_ratio"] <= SEARCH_TARGETS["real_search_full_vs_pelican"]
                for e in results["real"].values()
            )
            if results.get("real") and all("search_ratio" in e for e in results["real"].values())
            else None
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--issues", type=int, default=650, help="how many issues")
    parser.add_argument("--quick", action="store_true", help="60 issues")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON results")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--no-real", action="store_true", help="leave out the real archives (../shared)"
    )
    parser.add_argument(
        "--only-real", action="store_true", help="the real archives alone, not the 650 issues"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.work)))
        return 0

    compile_gazette()
    count = 60 if args.quick else args.issues
    real = not (args.quick or args.no_real) and REAL_ARCHIVES.is_dir()
    work = Path(tempfile.mkdtemp(prefix="gazette-site-bench-"))
    if args.only_real:
        try:
            found = bench_real_archives(work, pelican_available())
            print()
            print(real_report(found))
            out = args.out.with_name("site-real.json")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps({"real": found, "targets": TARGETS}, indent=2) + "\n")
            print(f"\nwrote {out}")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    try:
        for name, search in (("gazette.toml", "false"), ("search.toml", "true")):
            (work / name).write_text(
                '[publication]\nbase_url = "https://bench.example.org"\n'
                f"[site]\nsearch = {search}\n",
                "utf-8",
            )
        print(f"writing {count} issues into {work / 'content'}", flush=True)
        facts = write_issues(work / "content", count)
        new_issue = work / "content" / f"issue-{count + 1:04d}.md"
        new_text = make_issue(
            count + 1, issue_date(count + 1), sample_stories(), sentence_pool(sample_stories())
        )
        pelican = pelican_available()
        runs: dict[str, dict[str, Run]] = {"gazette": {}, "gazette_search": {}, "pelican": {}}
        # Full builds and no-change rebuilds first, then the new issue for everyone.
        for key in ("gazette", "gazette_search"):
            suffix = "+search" if key == "gazette_search" else ""
            print(f"{key}: full build (import-archive, build-site; best of {REPEATS})", flush=True)
            runs[key]["full"] = fastest_of(partial(gazette_full_build, work, suffix))
            print(f"{key}: no-change rebuild (best of {REPEATS})", flush=True)
            runs[key]["no_change"] = fastest_of(partial(run_step, f"gazette-build{suffix}", work))
        if pelican:
            print(f"pelican: full build (best of {REPEATS})", flush=True)
            runs["pelican"]["full"] = fastest_of(partial(pelican_full_build, work))
            print("pelican: rebuild", flush=True)
            runs["pelican"]["no_change"] = run_step("pelican", work)
        new_issue.write_text(new_text, "utf-8")
        for key in ("gazette", "gazette_search"):
            suffix = "+search" if key == "gazette_search" else ""
            print(f"{key}: one new issue", flush=True)
            runs[key]["one_new"] = run_step(f"gazette-import{suffix}", work).then(
                run_step(f"gazette-build{suffix}", work)
            )
        if pelican:
            print("pelican: one new issue", flush=True)
            runs["pelican"]["one_new"] = run_step("pelican", work)
        built = count_pages(work / "site" / "issues", "*/index.html")
        if built != count + 1:
            raise SystemExit(f"gazette built {built} issue pages, expected {count + 1}")
        if pelican:
            pelican_pages = count_pages(work / "pelican", "*.html") - count_pages(
                work / "pelican", "index*.html"
            )
            if pelican_pages < count + 1:
                raise SystemExit(f"pelican built {pelican_pages} pages, expected {count + 1}+")
        results: dict[str, Any] = {
            **facts,
            "issues": count,
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
            },
            "targets": {**TARGETS, **SEARCH_TARGETS},
            "gazette": {k: asdict(v) for k, v in runs["gazette"].items()},
            "gazette_search": {k: asdict(v) for k, v in runs["gazette_search"].items()},
        }
        if pelican:
            results["pelican"] = {k: asdict(v) for k, v in runs["pelican"].items()}
            results["ratios"] = {
                k: runs["gazette"][k].seconds / runs["pelican"][k].seconds
                for k in ("full", "no_change", "one_new")
            }
        else:
            results["pelican_skipped"] = (
                "not installed: `make bench-tools` installs it into the venv"
            )
        if real:
            results["real"] = bench_real_archives(work, pelican)
        results["met"] = verdicts(results)
        print()
        print(report(results))
        if real:
            print(real_report(results["real"]))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
        print(
            f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}"
        )
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
