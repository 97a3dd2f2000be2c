#!/usr/bin/env python3
"""Build data/sample/: one recorded week (ISO 2026-W02) of Elixir-ecosystem payloads.

Every payload keeps the exact shape of a real capture in shared/fixtures/real/
(see its SOURCES.md). Real captures are copied byte-for-byte or only have their
timestamps moved by one constant delta; payloads for which no real capture exists
are DERIVED: built in the real shape and filled from real items where possible.
data/sample/README.md (written by this script) says which is which.

Deterministic, stdlib only:

    python3 scripts/make_sample.py [FIXTURES_DIR] [--out DIR] [--check]

FIXTURES_DIR defaults to ../shared/fixtures/real relative to the repo root.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_FIXTURES = REPO.parent / "shared" / "fixtures" / "real"
DEFAULT_OUT = REPO / "data" / "sample"

WEEK = "2026-W02"
WEEK_START = datetime(2026, 1, 5, tzinfo=UTC)
WEEK_END = datetime(2026, 1, 12, tzinfo=UTC)  # exclusive

# Hex.pm: the newest package in the 2022-03-24 captures lands on 2026-01-10,
# time of day kept.
HEX_DELTA = timedelta(days=(date(2026, 1, 10) - date(2022, 3, 24)).days)
# Reddit: the 2024-06-07..14 r/elixir capture is moved so that its oldest
# non-sticky post (2024-06-07T19:41:33Z) lands on 2026-01-05T03:41:33Z and its
# newest (2024-06-14T12:22:33Z) on 2026-01-11T20:22:33Z.
REDDIT_DELTA = datetime(2026, 1, 5, 3, 41, 33) - datetime(2024, 6, 7, 19, 41, 33)

ELIXIR_RELEASE_URL = "https://github.com/elixir-lang/elixir/releases/tag/v1.19.5"
FORUM = "https://elixirforum.com"
VIBE_TOPIC_URL = f"{FORUM}/t/150-000-lines-of-vibe-coded-elixir-the-good-the-bad-and-the-ugly/73899"
FEATURE_URL = "https://dashbit.co/blog/let-the-agent-do-the-migration"
FEATURE_TITLE = "Let the Agent Do the Migration: usage_rules and the End of Elixir Upgrade Toil"


# --------------------------------------------------------------------------- io


class Writer:
    """Collects every output file so the README and the summary can list them."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.files: dict[str, dict[str, str]] = {}

    def write(self, rel: str, data: bytes | str, *, kind: str, source: str, change: str) -> None:
        if rel in self.files:
            raise SystemExit(f"refusing to write {rel} twice")
        raw = data.encode("utf-8") if isinstance(data, str) else data
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
        self.files[rel] = {"kind": kind, "source": source, "change": change}


def iso_z(dt: datetime, ms: bool = False) -> str:
    if ms:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def in_week(dt: datetime) -> bool:
    return WEEK_START <= dt < WEEK_END


def xml_escape(s: str) -> str:
    """Escape the way GitHub's and Reddit's Atom content does (quotes too)."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def stable_int(text: str, lo: int, hi: int) -> int:
    h = int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)
    return lo + h % (hi - lo + 1)


def base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while n:
        n, r = divmod(n, 36)
        out = digits[r] + out
    return out or "0"


# ------------------------------------------------------------------ provenance


def load_sources(fixtures: Path) -> dict[str, str]:
    """Map fixture file name -> 'repo @ commit : path' from SOURCES.md."""
    out: dict[str, str] = {}
    text = (fixtures / "SOURCES.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        m = re.match(r"\| `([^`]+)` \| (github\.com/\S+) @ `([0-9a-f]+)` : `([^`]+)`", line)
        if m:
            out[m.group(1)] = f"{m.group(2)} @ `{m.group(3)}` : `{m.group(4)}`"
    return out


# ---------------------------------------------------------------- 1. Discourse

# The capture holds an excerpt only for the pinned release topic, so the first
# posts of the other four are written for the sample from their title and tags.
COOKED_FROM_TITLE = {
    73899: (
        "<p>I wrote up what it has been like to build and run a 150,000-line Elixir "
        "codebase where most of the code was written by AI coding agents, Claude in "
        "particular. The short version: the good parts are very good, the bad parts "
        "are predictable, and the ugly parts are mostly about what happens when "
        "nobody reads the diff.</p>\n"
        "<p>The post walks through where the agent shines (boilerplate, tests, "
        "LiveView screens, Ecto queries that follow an existing pattern), where it "
        "needs a firm hand (OTP process design, supervision trees, anything that "
        "touches concurrency), and the guard rails we ended up adding.</p>\n"
        "<p>Curious to hear how this matches your experience.</p>"
    ),
    73896: (
        "<p>LiveVue v1.0 is out! LiveVue lets you render Vue components from Phoenix "
        "LiveView with server-side state, so you can keep LiveView for data and "
        "routing and reach for Vue where a rich client-side widget pays off.</p>\n"
        "<p>Highlights of 1.0:</p>\n"
        "<ul>\n<li>an Igniter installer: <code>mix igniter.install live_vue</code></li>\n"
        "<li>forms support</li>\n<li>and a long list of smaller fixes and docs "
        "improvements</li>\n</ul>\n"
        '<p>Docs: <a href="https://hexdocs.pm/live_vue">https://hexdocs.pm/live_vue</a></p>'
    ),
    73888: (
        "<p>BPF is a small library that converts Elixir binary pattern matching into "
        "classic BPF (cBPF) programs. You describe the packets you care about with the "
        "binary syntax you already know, and get a filter program the kernel can run, "
        "for example as a socket filter.</p>\n"
        "<p>It is early days, so feedback on the API and on which patterns should be "
        "supported next is very welcome.</p>"
    ),
    73916: (
        "<p>New post on the Beam Bots blog: behaviour trees are the usual answer to "
        "task orchestration in robotics, but they are not the only one. This post "
        "looks at using Reactor, the dependency-resolving saga orchestrator from the "
        "Ash ecosystem, to orchestrate robot tasks, including compensation when a "
        "step fails halfway through.</p>"
    ),
}


def cooked_from_release_excerpt(excerpt: str, full_notes_url: str) -> str:
    """Turn the forum's plain-text release excerpt into release-notes HTML.

    The excerpt ends mid-word ("Fix parser cra&hellip;"); that line is dropped
    and the full notes are linked instead.
    """
    parts: list[str] = []
    in_list = False
    for line in html.unescape(excerpt).splitlines():
        line = line.strip()
        if not line or line.endswith("\u2026"):
            continue
        if re.match(r"^\d+\. ", line):
            tag = "h3"
        elif line.startswith("["):
            tag = "li"
        else:
            tag = "h4"
        if tag == "li" and not in_list:
            parts.append("<ul>")
            in_list = True
        if tag != "li" and in_list:
            parts.append("</ul>")
            in_list = False
        parts.append(f"<{tag}>{html.escape(line, quote=False)}</{tag}>")
    if in_list:
        parts.append("</ul>")
    parts.append(f'<p>Full release notes: <a href="{full_notes_url}">{full_notes_url}</a></p>')
    return "\n".join(parts)


def strip_tags(s: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", s))


def make_discourse(fx: Path, w: Writer, src: dict[str, str]) -> list[dict[str, Any]]:
    name = "discourse/elixirforum_latest_2026-01.json"
    raw = (fx / name).read_bytes()
    w.write(
        "elixirforum.com/latest.json",
        raw,
        kind="byte-identical",
        source=f"`{name}`",
        change="none (already early January 2026)",
    )
    latest = json.loads(raw)
    users = {u["id"]: u for u in latest["users"]}
    topics = latest["topic_list"]["topics"]
    week = [t for t in topics if in_week(parse_iso(t["created_at"]))]
    week.sort(key=lambda t: (-t["like_count"], -t["views"], t["id"]))

    # Past the last page Discourse answers with an empty topic list and no
    # more_topics_url; without this file the replay's subset rule would serve
    # latest.json again for ?page=1.
    page1 = {
        "users": [],
        "primary_groups": [],
        "flair_groups": [],
        "topic_list": {
            "can_create_topic": False,
            "per_page": 30,
            "top_tags": latest["topic_list"]["top_tags"],
            "topics": [],
        },
    }
    w.write(
        "elixirforum.com/latest.json@page=1",
        json.dumps(page1, indent=4, ensure_ascii=False),
        kind="DERIVED",
        source=f"`{name}`",
        change="empty last page (topic_list shape, no topics, no more_topics_url)",
    )

    used = {p["user_id"] for t in week for p in t["posters"]}
    top = {
        "users": [u for u in latest["users"] if u["id"] in used],
        "primary_groups": latest["primary_groups"],
        "flair_groups": latest["flair_groups"],
        "topic_list": {
            "can_create_topic": False,
            "for_period": "weekly",
            "per_page": 30,
            "top_tags": latest["topic_list"]["top_tags"],
            "topics": week,
        },
    }
    w.write(
        "elixirforum.com/top.json@period=weekly",
        json.dumps(top, indent=4, ensure_ascii=False),
        kind="DERIVED",
        source=f"`{name}` (+ `discourse/apidocs_top_yearly_response.json` for for_period)",
        change=f"the {len(week)} topics of latest.json created in {WEEK}, sorted by like_count; "
        "topic objects unchanged; users limited to their posters",
    )

    template = json.loads((fx / "discourse/apidocs_topic_response.json").read_text())
    for t in week[:5]:
        op = next(p for p in t["posters"] if "Original Poster" in p["description"])
        opu = users[op["user_id"]]
        last = next(u for u in latest["users"] if u["username"] == t["last_poster_username"])
        if t.get("excerpt"):
            cooked = cooked_from_release_excerpt(t["excerpt"], ELIXIR_RELEASE_URL)
            how = "cooked DERIVED from the topic's real excerpt"
        else:
            cooked = COOKED_FROM_TITLE[t["id"]]
            how = "cooked WRITTEN for the sample from title and tags (capture has no excerpt)"
        post_id = t["id"] * 4
        post = dict(template["post_stream"]["posts"][0])
        post.update(
            id=post_id,
            name=opu.get("name") or "",
            username=opu["username"],
            avatar_template=opu["avatar_template"],
            created_at=t["created_at"],
            cooked=cooked,
            updated_at=t["created_at"],
            reply_count=min(t["reply_count"], 3),
            reads=max(1, t["views"] // 3),
            score=round(t["views"] * 0.2 + t["like_count"] * 15, 1),
            topic_id=t["id"],
            topic_slug=t["slug"],
            display_username=opu.get("name") or "",
            primary_group_name=opu.get("primary_group_name"),
            primary_group_flair_url=opu.get("flair_url"),
            primary_group_flair_bg_color=opu.get("flair_bg_color"),
            primary_group_flair_color=None,
            read=False,
            can_view_edit_history=True,
            admin=False,
            staff=False,
            user_id=opu["id"],
            trust_level=opu.get("trust_level", 2),
        )
        participants = []
        others = len(t["posters"]) - 1
        for p in t["posters"]:
            u = users[p["user_id"]]
            count = max(1, t["posts_count"] - others) if p is op else 1
            participants.append(
                {
                    "id": u["id"],
                    "username": u["username"],
                    "avatar_template": u["avatar_template"],
                    "post_count": count,
                }
            )
        suggested = []
        for s in [x for x in week if x["id"] != t["id"]][:3]:
            sop = next(p for p in s["posters"] if "Original Poster" in p["description"])
            su = users[sop["user_id"]]
            suggested.append(
                {
                    "id": s["id"],
                    "title": s["title"],
                    "fancy_title": s["fancy_title"],
                    "slug": s["slug"],
                    "posts_count": s["posts_count"],
                    "reply_count": s["reply_count"],
                    "highest_post_number": s["highest_post_number"],
                    "image_url": s["image_url"],
                    "created_at": s["created_at"],
                    "last_posted_at": s["last_posted_at"],
                    "bumped": s["bumped"],
                    "bumped_at": s["bumped_at"],
                    "unseen": False,
                    "pinned": s["pinned"],
                    "unpinned": None,
                    "visible": True,
                    "closed": False,
                    "archived": False,
                    "bookmarked": None,
                    "liked": None,
                    "archetype": "regular",
                    "like_count": s["like_count"],
                    "views": s["views"],
                    "category_id": s["category_id"],
                    "posters": [
                        {
                            "extras": sop["extras"],
                            "description": sop["description"],
                            "user": {
                                "id": su["id"],
                                "username": su["username"],
                                "avatar_template": su["avatar_template"],
                            },
                        }
                    ],
                }
            )
        created = parse_iso(t["created_at"])
        topic: dict[str, Any] = {
            "post_stream": {"posts": [post], "stream": [post_id]},
            "timeline_lookup": [[1, max(0, (datetime(2026, 1, 10, tzinfo=UTC) - created).days)]],
            "id": t["id"],
            "title": t["title"],
            "fancy_title": t["fancy_title"],
            "posts_count": t["posts_count"],
            "created_at": t["created_at"],
            "views": t["views"],
            "reply_count": t["reply_count"],
            "participant_count": len(t["posters"]),
            "like_count": t["like_count"],
            "last_posted_at": t["last_posted_at"],
            "visible": t["visible"],
            "closed": t["closed"],
            "archived": t["archived"],
            "has_summary": t["has_summary"],
            "archetype": t["archetype"],
            "slug": t["slug"],
            "category_id": t["category_id"],
            "tags": t["tags"],
            "word_count": len(strip_tags(cooked).split()),
            "deleted_at": None,
            "user_id": opu["id"],
            "draft": None,
            "draft_key": f"topic_{t['id']}",
            "draft_sequence": None,
            "unpinned": None,
            "pinned_globally": t["pinned_globally"],
            "pinned": t["pinned"],
            "pinned_at": t["created_at"] if t["pinned"] else None,
            "pinned_until": None,
            "details": {
                "auto_close_at": None,
                "auto_close_hours": None,
                "auto_close_based_on_last_post": False,
                "created_by": {
                    "id": opu["id"],
                    "username": opu["username"],
                    "avatar_template": opu["avatar_template"],
                },
                "last_poster": {
                    "id": last["id"],
                    "username": last["username"],
                    "avatar_template": last["avatar_template"],
                },
                "participants": participants,
                "suggested_topics": suggested,
                "notification_level": 1,
                "can_flag_topic": False,
            },
            "highest_post_number": t["highest_post_number"],
            "deleted_by": None,
            "actions_summary": template["actions_summary"],
            "chunk_size": 20,
            "bookmarked": None,
        }
        w.write(
            f"elixirforum.com/t/{t['id']}.json",
            json.dumps(topic, indent=2, ensure_ascii=False),
            kind="DERIVED",
            source="`discourse/apidocs_topic_response.json` (shape) + "
            "`discourse/elixirforum_latest_2026-01.json` (topic, users)",
            change=f"topic {t['id']} ({t['like_count']} likes); {how}; post id = topic id x 4 (synthetic)",
        )
    return week


# -------------------------------------------------------------------- 2. Hex.pm

HEX_TS = re.compile(rb'"(inserted_at|updated_at)":"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)"')


def shift_hex_bytes(raw: bytes) -> tuple[bytes, int]:
    count = 0

    def sub(m: re.Match[bytes]) -> bytes:
        nonlocal count
        count += 1
        dt = datetime.strptime(m.group(2).decode(), "%Y-%m-%dT%H:%M:%S.%fZ") + HEX_DELTA
        return b'"' + m.group(1) + b'":"' + dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").encode() + b'"'

    return HEX_TS.sub(sub, raw), count


def make_hexpm(fx: Path, w: Writer) -> None:
    for sort, name in (
        ("inserted_at", "hexpm/packages_sort_inserted_at_2022-03-24.json"),
        ("updated_at", "hexpm/packages_sort_updated_at_2022-03-24.json"),
    ):
        raw = (fx / name).read_bytes()
        shifted, n = shift_hex_bytes(raw)
        # Nothing but the timestamps may change: undo the shift and compare.
        assert len(shifted) == len(raw)
        assert HEX_TS.sub(b"", shifted) == HEX_TS.sub(b"", raw)
        pkgs = json.loads(shifted)
        newest = max(p[sort] for p in pkgs)
        assert newest.startswith("2026-01-10"), newest
        w.write(
            f"hex.pm/api/packages@page=1&sort={sort}.json",
            shifted,
            kind="DERIVED (date shift)",
            source=f"`{name}`",
            change=f"all {n} inserted_at/updated_at + {HEX_DELTA.days} days (newest -> 2026-01-10); "
            "bytes otherwise identical (sparse downloads, null release inserted_at kept)",
        )
        w.write(
            f"hex.pm/api/packages@page=2&sort={sort}.json",
            "[]",
            kind="DERIVED",
            source="Hex API spec (an empty array past the last page)",
            change="paging terminator",
        )

    # /api/packages/phoenix_copy as it looked when the list was captured: the
    # real 2022-07 capture trimmed to the releases that existed on 2022-03-24.
    name = "hexpm/package_phoenix_copy.json"
    pkg = json.loads((fx / name).read_text())
    listed = next(
        p
        for p in json.loads((fx / "hexpm/packages_sort_inserted_at_2022-03-24.json").read_text())
        if p["name"] == "phoenix_copy"
    )
    capture = "2022-03-24T12:00:00.000000Z"
    pkg["releases"] = [r for r in pkg["releases"] if r["inserted_at"] <= capture]
    for key in ("configs", "downloads", "latest_stable_version", "latest_version", "updated_at"):
        pkg[key] = listed[key]
    raw, n = shift_hex_bytes(json.dumps(pkg, separators=(",", ":"), sort_keys=True).encode())
    w.write(
        "hex.pm/api/packages/phoenix_copy.json",
        raw,
        kind="DERIVED (date shift)",
        source=f"`{name}` + its entry in `hexpm/packages_sort_inserted_at_2022-03-24.json`",
        change="releases trimmed to the two that existed at list-capture time (rc.0, rc.1); "
        f"configs/downloads/latest_*/updated_at taken from the list entry; {n} timestamps + {HEX_DELTA.days} days",
    )


# -------------------------------------------------------------------- 3. GitHub

GH_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" xml:lang="en-US">
  <id>tag:github.com,2008:https://github.com/{owner}/{repo}/releases</id>
  <link type="text/html" rel="alternate" href="https://github.com/{owner}/{repo}/releases"/>
  <link type="application/atom+xml" rel="self" href="https://github.com/{owner}/{repo}/releases.atom"/>
  <title>Release notes from {repo}</title>
  <updated>{updated}</updated>
{entries}</feed>
"""

GH_ENTRY = """  <entry>
    <id>tag:github.com,2008:Repository/{repo_id}/{tag}</id>
    <updated>{updated}</updated>
    <link rel="alternate" type="text/html" href="https://github.com/{owner}/{repo}/releases/tag/{tag}"/>
    <title>{title}</title>
    <content type="html">{content}</content>
    <author>
      <name>{author}</name>
    </author>
    <media:thumbnail height="30" width="30" url="{avatar}"/>
  </entry>
"""


def gh_feed(
    owner: str, repo: str, repo_id: int, feed_updated: str, releases: list[dict[str, str]]
) -> str:
    entries = "".join(
        GH_ENTRY.format(
            repo_id=repo_id,
            owner=owner,
            repo=repo,
            tag=r["tag"],
            updated=r["updated"],
            title=xml_escape(r["tag"]),
            content=xml_escape(r["html"]),
            author=r["author"],
            avatar=xml_escape(r["avatar"]),
        )
        for r in releases
    )
    return GH_FEED.format(owner=owner, repo=repo, updated=feed_updated, entries=entries)


def make_github(fx: Path, w: Writer, release_excerpt: str) -> None:
    jose = "https://avatars.githubusercontent.com/u/9582?s=60&v=4"
    notes = cooked_from_release_excerpt(
        release_excerpt, "https://github.com/elixir-lang/elixir/blob/v1.19.5/CHANGELOG.md"
    )

    def patch(tag: str) -> str:
        return (
            f'<p>Patch release of the v1.19 series. See the <a href="https://github.com/elixir-lang/elixir/'
            f'blob/{tag}/CHANGELOG.md">CHANGELOG</a> for the full list of changes.</p>'
        )

    elixir = [
        {"tag": "v1.19.5", "updated": "2026-01-09T11:41:27Z", "html": notes},
        {"tag": "v1.19.4", "updated": "2025-11-27T13:02:10Z", "html": patch("v1.19.4")},
        {"tag": "v1.19.3", "updated": "2025-11-13T10:48:51Z", "html": patch("v1.19.3")},
        {"tag": "v1.19.2", "updated": "2025-11-02T17:20:33Z", "html": patch("v1.19.2")},
        {"tag": "v1.19.1", "updated": "2025-10-20T09:14:05Z", "html": patch("v1.19.1")},
        {
            "tag": "v1.19.0",
            "updated": "2025-10-16T12:31:40Z",
            "html": '<p>Elixir v1.19.0. See the <a href="https://github.com/elixir-lang/elixir/blob/v1.19.0/'
            'CHANGELOG.md">CHANGELOG</a> for the release notes.</p>',
        },
    ]
    for r in elixir:
        r.update(author="josevalim", avatar=jose)
    w.write(
        "github.com/elixir-lang/elixir/releases.atom",
        # As in the real capture, the feed's <updated> is a few minutes older
        # than its newest entry's.
        gh_feed("elixir-lang", "elixir", 1234714, "2026-01-09T11:34:50Z", elixir),
        kind="DERIVED",
        source="`github/releases_atom_bilalcaliskan-s3-manager_2023-08.atom` (exact XML structure)",
        change="v1.19.5 (2026-01-09) content = release notes from the forum topic 73923 excerpt "
        "(truncated last line dropped, link to the full CHANGELOG); older v1.19.x entries are a paging tail "
        "with real release dates and a CHANGELOG link as content",
    )
    lv = [
        {
            "tag": "v1.1.20",
            "updated": "2026-01-07T18:04:51+01:00",
            "html": '<p>Bug fixes and small enhancements. See the <a href="https://github.com/phoenixframework/'
            'phoenix_live_view/blob/v1.1.20/CHANGELOG.md">CHANGELOG</a> for details.</p>',
            "author": "SteffenDE",
            "avatar": "https://avatars.githubusercontent.com/u/6408707?s=60&v=4",
        }
    ]
    w.write(
        "github.com/phoenixframework/phoenix_live_view/releases.atom",
        gh_feed(
            "phoenixframework", "phoenix_live_view", 153427946, "2026-01-07T17:58:12+01:00", lv
        ),
        kind="DERIVED",
        source="`github/releases_atom_bilalcaliskan-s3-manager_2023-08.atom` (exact XML structure)",
        change="one release in the week; version number, notes, repository id and avatar are "
        "illustrative (not checked against upstream); +01:00 offset on purpose",
    )
    name = "github/releases_atom_shopify-timber_2015.atom"
    w.write(
        "github.com/Shopify/Timber/releases.atom",
        (fx / name).read_bytes(),
        kind="byte-identical",
        source=f"`{name}`",
        change="none (relative entry links, for tests; not in gazette.toml)",
    )


# -------------------------------------------------------------------- 4. Reddit

REDDIT_TS = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\+00:00")
ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"

# Score and comment counts are not in the RSS capture: chosen for the sample.
REDDIT_ENGAGEMENT = {
    "1dfpj63": (9, 8),
    "1dexame": (64, 12),
    "1demwqi": (78, 21),
    "1de3qfp": (58, 6),
    "1dehm48": (34, 5),
    "1de149t": (22, 3),
    "1de0eyn": (27, 2),
    "1ddd4m1": (15, 0),
    "1ddas2r": (19, 7),
    "1dd8g01": (6, 9),
    "1dct03g": (11, 14),
    "1dch3lm": (41, 4),
    "1dcmgp9": (25, 3),
    "1dccf8i": (30, 1),
    "1dc5aap": (47, 26),
    "1dbrl4b": (52, 17),
    "1dc4vte": (3, 12),
    "1dca6sl": (4, 6),
    "1dbbypa": (2, 3),
    "1dazrb6": (12, 2),
    "1dazilr": (14, 11),
    "1day1aj": (5, 4),
    "1danx36": (38, 45),
    "1dajsg7": (7, 3),
    "1dapqo4": (8, 2),
}

# Posts added so cross-source clustering has something to find.
REDDIT_EXTRA = [
    {
        "id": "1q8c4ve",
        "author": "otp_wrangler",
        "title": "Elixir v1.19.5 released",
        "url": ELIXIR_RELEASE_URL,
        "created": datetime(2026, 1, 9, 13, 10, 42, tzinfo=UTC),
        "score": 96,
        "comments": 11,
    },
    {
        "id": "1q6f2mz",
        "author": "phx_gen_everything",
        "title": "150,000 Lines of Vibe Coded Elixir: The Good, The Bad, and The Ugly",
        "url": VIBE_TOPIC_URL,
        "created": datetime(2026, 1, 7, 9, 30, 5, tzinfo=UTC),
        "score": 212,
        "comments": 87,
    },
]


def html_to_markdown(fragment: str) -> str:
    """Rough inverse of Reddit's markdown renderer, enough for `selftext`."""

    def link(m: re.Match[str]) -> str:
        href, text = m.group(1), m.group(2)
        return href if href == text else f"[{text}]({href})"

    s = re.sub(r'<a href="([^"]+)">([^<]*)</a>', link, fragment)
    s = re.sub(r"</?code>", "`", s)
    s = re.sub(r"<li>", "* ", s)
    s = re.sub(r"</p>\s*", "\n\n", s)
    s = re.sub(r"</li>\s*", "\n", s)
    s = re.sub(r"<pre>|</pre>", "\n", s)
    s = re.sub(r"<[^>]+>", "", s)
    s = html.unescape(s)
    return re.sub(r"[ \t]+\n", "\n", s).strip()


def make_reddit(fx: Path, w: Writer) -> None:
    name = "reddit/r_elixir_rss_2024-06-14.extracted.atom"
    text = (fx / name).read_text(encoding="utf-8")

    def sub(m: re.Match[str]) -> str:
        return (datetime.fromisoformat(m.group(1)) + REDDIT_DELTA).strftime(
            "%Y-%m-%dT%H:%M:%S"
        ) + "+00:00"

    shifted, n = REDDIT_TS.subn(sub, text)
    w.write(
        "www.reddit.com/r/elixir.rss",
        shifted,
        kind="DERIVED (date shift)",
        source=f"`{name}`",
        change=f"all {n} timestamps + {REDDIT_DELTA} (2024-06-07..14 -> 2026-01-05..11; the 2023 sticky "
        "and the feed `<updated>` land outside the week); bytes otherwise identical",
    )

    listing_name = "reddit/r_ClaudeAI_hot_limit10_2026-05.json"
    listing = json.loads((fx / listing_name).read_text())
    kids = listing["data"]["children"]
    self_tpl = next(
        c["data"]
        for c in kids
        if c["data"]["is_self"] and not c["data"]["stickied"] and "preview" not in c["data"]
    )
    link_tpl = next(c["data"] for c in kids if c["data"].get("post_hint") == "image")

    def post(
        *,
        pid: str,
        author: str,
        title: str,
        permalink: str,
        created: datetime,
        score: int,
        comments: int,
        link: str | None,
        md_html: str | None,
        thumb: str | None,
    ) -> dict[str, Any]:
        base = dict(link_tpl if link else self_tpl)
        base.pop("preview", None)
        ts = float(int(created.timestamp()))
        domain = re.sub(r"^www\.", "", link.split("/")[2]) if link else "self.elixir"
        base.update(
            subreddit="elixir",
            subreddit_name_prefixed="r/elixir",
            subreddit_id="t5_2s1v4",
            subreddit_subscribers=41873,
            selftext=html_to_markdown(md_html) if md_html else "",
            selftext_html=('<!-- SC_OFF --><div class="md">' + md_html + "</div><!-- SC_ON -->")
            .replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            if md_html
            else None,
            author_fullname="t2_" + base36(stable_int(author, 36**7, 36**8 - 1)),
            author=author,
            title=title,
            name=f"t3_{pid}",
            id=pid,
            permalink=permalink,
            url=link or f"https://www.reddit.com{permalink}",
            domain=domain,
            is_self=link is None,
            created=ts,
            created_utc=ts,
            score=score,
            ups=score,
            upvote_ratio=round(0.80 + stable_int(pid, 0, 18) / 100, 2),
            num_comments=comments,
            link_flair_richtext=[],
            link_flair_text=None,
            link_flair_type="text",
            link_flair_css_class=None,
            link_flair_template_id=None,
            link_flair_background_color="",
            link_flair_text_color="dark",
            stickied=False,
            pinned=False,
            distinguished=None,
            edited=False,
            total_awards_received=0,
        )
        if link:
            base.update(
                post_hint="link",
                url_overridden_by_dest=link,
                is_reddit_media_domain=False,
                thumbnail=html.escape(thumb, quote=False) if thumb else "default",
                thumbnail_height=78 if thumb else None,
                thumbnail_width=140 if thumb else None,
            )
        else:
            base.update(thumbnail="self", thumbnail_height=None, thumbnail_width=None)
        return {"kind": "t3", "data": base}

    children = []
    root = ET.fromstring(text)
    for e in root.findall(f"{ATOM}entry"):
        pid = e.findtext(f"{ATOM}id").removeprefix("t3_")
        if pid not in REDDIT_ENGAGEMENT:  # the 2023 sticky from hot order
            continue
        content = e.findtext(f"{ATOM}content")
        permalink = e.find(f"{ATOM}link").get("href").removeprefix("https://www.reddit.com")
        m = re.search(r'<div class="md">(.*?)</div><!-- SC_ON -->', content, re.S)
        link_m = re.search(r'<a href="([^"]+)">\[link\]</a>', content)
        link = None if m else link_m.group(1)
        thumb = e.find(f"{MEDIA}thumbnail")
        score, comments = REDDIT_ENGAGEMENT[pid]
        children.append(
            post(
                pid=pid,
                author=e.findtext(f"{ATOM}author/{ATOM}name").removeprefix("/u/"),
                title=e.findtext(f"{ATOM}title"),
                permalink=permalink,
                created=datetime.fromisoformat(e.findtext(f"{ATOM}published")) + REDDIT_DELTA,
                score=score,
                comments=comments,
                link=link,
                md_html=m.group(1) if m else None,
                thumb=thumb.get("url") if thumb is not None else None,
            )
        )
    for x in REDDIT_EXTRA:
        slug = re.sub(r"[^a-z0-9]+", "_", x["title"].lower()).strip("_")[:50].rstrip("_")
        children.append(
            post(
                pid=x["id"],
                author=x["author"],
                title=x["title"],
                permalink=f"/r/elixir/comments/{x['id']}/{slug}/",
                created=x["created"],
                score=x["score"],
                comments=x["comments"],
                link=x["url"],
                md_html=None,
                thumb=None,
            )
        )
    children.sort(key=lambda c: -c["data"]["created_utc"])
    out = {
        "kind": "Listing",
        "data": {
            "after": children[-1]["data"]["name"],
            "dist": len(children),
            "modhash": "",
            "geo_filter": None,
            "children": children,
            "before": None,
        },
    }
    w.write(
        "www.reddit.com/r/elixir/new.json@limit=100",
        json.dumps(out),
        kind="DERIVED",
        source=f"`{listing_name}` (Listing/t3 shape, all fields) + `{name}` (posts)",
        change="the 25 non-sticky r/elixir posts (real titles, authors, permalinks, link urls, self text) "
        f"with created_utc + {REDDIT_DELTA}, newest first; score/num_comments/upvote_ratio, author_fullname, "
        "subreddit_id/subscribers chosen for the sample; + 2 added link posts (Elixir v1.19.5 GitHub release, "
        "forum topic 73899)",
    )


# ------------------------------------------------------------ 5. Hacker News


def hn_escape(s: str) -> str:
    return (
        s.replace("&", "&amp;").replace("'", "&#x27;").replace("/", "&#x2F;").replace('"', "&quot;")
    )


def highlight(value: str, word: str = "elixir") -> dict[str, Any]:
    pat = re.compile(re.escape(word), re.I)
    if not pat.search(value):
        return {"matchLevel": "none", "matchedWords": [], "value": value}
    return {
        "fullyHighlighted": False,
        "matchLevel": "full",
        "matchedWords": [word],
        "value": pat.sub(lambda m: f"<em>{m.group(0)}</em>", value),
    }


HN_HITS = [
    {
        "id": 46545317,
        "author": "otp_wrangler",
        "title": "Elixir v1.19.5 released",
        "url": ELIXIR_RELEASE_URL,
        "created": datetime(2026, 1, 9, 12, 48, 3, tzinfo=UTC),
        "points": 41,
        "comments": 9,
    },
    {
        "id": 46531208,
        "author": "sigil_h",
        "title": FEATURE_TITLE,
        "url": FEATURE_URL,
        "created": datetime(2026, 1, 8, 16, 5, 44, tzinfo=UTC),
        "points": 74,
        "comments": 31,
    },
    {
        "id": 46518862,
        "author": "pipes_and_filters",
        "title": "150,000 Lines of Vibe Coded Elixir: The Good, the Bad, and the Ugly",
        "url": VIBE_TOPIC_URL,
        "created": datetime(2026, 1, 7, 15, 22, 10, tzinfo=UTC),
        "points": 187,
        "comments": 96,
    },
    {
        "id": 46506174,
        "author": "gen_stage",
        "title": "Ask HN: Who is running Elixir and LiveView in production in 2026?",
        "url": None,
        "text": "I'm about to start a B2B product and I'm weighing Phoenix LiveView against a "
        "Rails/Hotwire stack I know well.<p>If you run Elixir in production: how big is the team, "
        "what broke first when you grew, and what would you do differently?<p>Especially "
        "interested in hiring stories and in how you deploy (releases on bare VMs, containers, "
        "Fly, Gigalixir...).",
        "created": datetime(2026, 1, 6, 19, 40, 0, tzinfo=UTC),
        "points": 23,
        "comments": 18,
    },
]


def make_hn(fx: Path, w: Writer) -> None:
    name = "hn/algolia_search_story_anthropic_2026-05.json"
    real = json.loads((fx / name).read_text())
    hits = []
    for h in sorted(HN_HITS, key=lambda h: -h["created"].timestamp()):
        created_i = int(h["created"].timestamp())
        hi: dict[str, Any] = {"author": highlight(h["author"]), "title": highlight(h["title"])}
        if h.get("text"):
            hi["story_text"] = highlight(h["text"])
        if h["url"]:
            hi["url"] = highlight(h["url"])
        tags = ["story", f"author_{h['author']}", f"story_{h['id']}"]
        if h["title"].startswith("Ask HN"):
            tags.append("ask_hn")
        hit: dict[str, Any] = {
            "_highlightResult": dict(sorted(hi.items())),
            "_tags": tags,
            "author": h["author"],
            "created_at": iso_z(h["created"]),
            "created_at_i": created_i,
            "num_comments": h["comments"],
            "objectID": str(h["id"]),
            "points": h["points"],
            "story_id": h["id"],
            "title": h["title"],
            "updated_at": "2026-01-12T06:1{}:{:02d}Z".format(h["id"] % 10, h["id"] % 60),
        }
        if h["comments"]:
            top_level = max(1, h["comments"] // 3)
            hit["children"] = [h["id"] + 37 + 211 * i for i in range(top_level)]
        if h.get("text"):
            hit["story_text"] = hn_escape(h["text"])
        if h["url"]:
            hit["url"] = h["url"]
        hits.append(hit)
    out = {
        "exhaustive": real["exhaustive"],
        "exhaustiveNbHits": real["exhaustiveNbHits"],
        "exhaustiveTypo": real["exhaustiveTypo"],
        "hits": hits,
        "hitsPerPage": 20,
        "nbHits": len(hits),
        "nbPages": 1,
        "page": 0,
        "params": "query=elixir&tags=story&advancedSyntax=true&analyticsTags=backend",
        "processingTimeMS": 5,
        "processingTimingsMS": {
            "_request": {"roundTrip": 27},
            "afterFetch": {"format": {"highlighting": 1, "total": 1}},
            "fetch": {"query": 3, "scanning": 1, "total": 4},
            "total": 5,
        },
        "query": "elixir",
        "serverTimeMS": 7,
    }
    w.write(
        "hn.algolia.com/api/v1/search_by_date@query=elixir&tags=story.json",
        json.dumps(out, separators=(",", ":"), sort_keys=True) + "\n",
        kind="DERIVED",
        source=f"`{name}` (response shape, key order and serialization)",
        change="4 hits written for the sample about items present elsewhere in it (Elixir v1.19.5 release, "
        "the feature blog post, forum topic 73899, one Ask HN without url); newest first; "
        "points/num_comments/ids/authors chosen; link stories omit story_text like the real url-less hits omit url",
    )


# ------------------------------------------------------------------ 6. feeds

FEATURE_HTML = """<p>Some projects never get started because they are hard. Far more never get started because they are boring. A framework upgrade is the classic example: nothing about moving an application from one major version of a library to the next is intellectually difficult, yet it is exactly the kind of task that sits at the bottom of a backlog for months, slowly making every other change more expensive.</p>
<p>Over the holidays I finally upgraded a side project of mine, a small conference call-for-papers application, from Phoenix 1.7 with Tailwind 3 to Phoenix 1.8, LiveView 1.1 and Tailwind 4. I had postponed it for over a year. This time I did almost none of the typing: an AI coding agent did the mechanical work, and I reviewed it. The part that made the difference was not the model. It was <a href="https://hex.pm/packages/usage_rules">usage_rules</a>.</p>
<h2>Why agents are bad at upgrades</h2>
<p>Ask a coding agent to migrate an Elixir project and it will happily do so using whatever version of each library dominated its training data. For Phoenix that often means code from several years ago: <code>Phoenix.HTML</code> form helpers, <code>live_redirect</code>, <code>push_redirect</code>, templates that predate function components. The code even looks plausible, which is worse than looking wrong. An upgrade is precisely the moment when the old idioms are the ones you are trying to remove, so an agent that defaults to them works against you.</p>
<p>usage_rules attacks this problem at the source. Library authors ship a <code>usage-rules.md</code> file inside their Hex package, describing how the library is meant to be used today: which functions to prefer, which patterns are deprecated, which mistakes people keep making. The usage_rules package gathers those files from your dependencies and writes them into the instructions file your agent reads, such as <code>AGENTS.md</code> or <code>CLAUDE.md</code>. Ash and Igniter ship rules, usage_rules itself ships rules for Elixir and OTP, and Phoenix 1.8 generates an <code>AGENTS.md</code> with its own guidelines in new projects. Because the rules come from your locked dependencies, they match the versions you actually run.</p>
<pre><code>mix usage_rules.sync AGENTS.md --all</code></pre>
<h2>How the migration went</h2>
<p>I split the work into small, mechanical jobs and gave the agent one at a time: bump the dependencies and fix compilation errors; convert the remaining old-style templates to function components and the <code>&lt;.form&gt;</code> and <code>&lt;.input&gt;</code> components; update the Tailwind configuration and rename the utility classes that changed between Tailwind 3 and 4; finally, adopt the new layouts and the scope-based generators where they made sense. After each job I ran <code>mix compile --warnings-as-errors</code>, <code>mix format --check-formatted</code> and the test suite, and read the diff before moving on.</p>
<p>The migration broke exactly once in a way the tests did not catch immediately. In one LiveView the agent reached for an old <code>Phoenix.HTML</code> form helper that does not belong in a modern HEEx template. The fix took less than a minute, because the synced rules already said to use <code>Phoenix.Component.form/1</code>; I pointed the agent at that section and it corrected every occurrence, including two I had not spotted. Everything else was the kind of work that is tedious for a person and trivial for a machine: hundreds of class names, dozens of templates, a few renamed callbacks.</p>
<h2>What I would do again</h2>
<p>First, get to a green test suite before touching anything. The agent is only as safe as the feedback loop you give it, and in Elixir that loop is cheap: the compiler, the formatter, warnings as errors and ExUnit. Second, sync the usage rules before the first prompt, not after the first mistake. Third, keep the jobs mechanical. The moment a task required a judgement call, such as how to model scopes for a multi-tenant part of the app, I took it back. That is the work that deserves a human, and the whole point of delegating the rest is to have energy left for it.</p>
<p>The result is not that the agent is clever. It is that a task which had blocked a project for more than a year became something I could review in a few evenings. Framework migrations, dependency updates and component rewrites require attention to detail, not creativity. Treating them as toil, and handing the toil to a tool that follows the library authors' own rules, is the most productive change I made to my workflow last year.</p>
<p>Remember:</p>
<ul>
<li>Sync usage rules first, so the agent follows the documentation of the versions you actually run.</li>
<li>A green test suite, warnings as errors and the formatter are the agent's guard rails: set them up before the first prompt.</li>
<li>Give the agent one mechanical job at a time and read every diff.</li>
<li>Keep the judgement calls for yourself; delegate the toil.</li>
</ul>"""

OLDER_POST_HTML = """<p>A short note to close the year: thank you to everyone who reported bugs, sent pull requests and answered questions on the forum. Most of the improvements we shipped this year started as a question from someone trying to do something slightly unusual.</p>
<p>We will be back in January with more posts on tooling, testing and deployment.</p>"""

HOSTILE_HTML = (
    '<p>Limited offer! <a href="&#106;avascript:alert(1)">Claim your stickers here</a>.</p>'
    '<p><img src="https://dashbit.co/images/stickers.png" onerror="alert(1)" alt="stickers"></p>'
)

ATOM_FEED = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Dashbit Blog</title>
  <subtitle>Posts about Elixir, open source and building software.</subtitle>
  <link href="https://dashbit.co/blog" rel="alternate" type="text/html"/>
  <link href="https://dashbit.co/feed" rel="self" type="application/atom+xml"/>
  <id>https://dashbit.co/blog</id>
  <updated>{updated}</updated>
{entries}</feed>
"""

ATOM_ENTRY = """  <entry>
    <title>{title}</title>
    <link href="{link}" rel="alternate" type="text/html"/>
    <id>{id}</id>
    <published>{published}</published>
    <updated>{updated}</updated>
    <author>
      <name>{author}</name>
    </author>
    <summary>{summary}</summary>
    <content type="html">{content}</content>
  </entry>
"""

PODCAST_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <atom:link href="https://thinkingelixir.com/feed/podcast" rel="self" type="application/rss+xml"/>
    <title>Thinking Elixir Podcast</title>
    <link>https://podcast.thinkingelixir.com</link>
    <description>The Thinking Elixir podcast is a weekly show where we talk about the Elixir programming language and the community around it.</description>
    <language>en-us</language>
    <lastBuildDate>{build}</lastBuildDate>
    <itunes:author>Thinking Elixir</itunes:author>
    <itunes:explicit>false</itunes:explicit>
    <itunes:image href="https://podcast.thinkingelixir.com/images/cover.jpg"/>
    <itunes:category text="Technology"/>
{items}  </channel>
</rss>
"""

PODCAST_ITEM = """    <item>
      <title>{title}</title>
      <link>{link}</link>
      <guid isPermaLink="false">{guid}</guid>
      <pubDate>{pub}</pubDate>
      <description>{summary}</description>
      <content:encoded><![CDATA[{content}]]></content:encoded>
      <enclosure url="{audio}" length="{length}" type="audio/mpeg"/>
      <itunes:episode>{episode}</itunes:episode>
      <itunes:duration>{duration}</itunes:duration>
      <itunes:explicit>false</itunes:explicit>
    </item>
"""

EPISODE_286_HTML = f"""<p>News to start the year: LiveVue reaches 1.0, a new library compiles binary pattern matching to classic BPF, and a frank write-up about a large vibe-coded Elixir codebase.</p>
<ul>
<li><a href="{FORUM}/t/livevue-v1-0-released-with-igniter-installer-forms-support-and-more/73896">LiveVue v1.0 released with an Igniter installer, forms support and more</a></li>
<li><a href="{FORUM}/t/bpf-convert-binary-pattern-matching-to-classic-bpf-programs/73888">BPF: convert binary pattern matching to classic BPF programs</a></li>
<li><a href="{VIBE_TOPIC_URL}">150,000 Lines of Vibe Coded Elixir: The Good, The Bad, and The Ugly</a></li>
<li><a href="{FORUM}/t/nex-0-3-x-design-philosophy-the-evolution-of-minimalism/73861">Nex 0.3.x design philosophy</a></li>
<li><a href="{FORUM}/t/2026-03-23-code-beam-lite-vancouver/73369">Code BEAM Lite Vancouver on 2026-03-23</a></li>
</ul>"""

EPISODE_285_HTML = f"""<p>The last news episode of the year: Elixir in the browser through WebAssembly, robots and Nerves, AI tooling and Postgres news.</p>
<p>Discuss on the <a href="{FORUM}/t/thinking-elixir-285-from-popcorn-to-robots/73817">Elixir Forum</a>.</p>"""


def make_feeds(w: Writer) -> None:
    entries = [
        {
            "title": "Win a free Elixir sticker pack <script>alert(1)</script>",
            "link": "javascript:alert(1)",
            "id": "https://dashbit.co/blog/free-sticker-pack",
            "published": "2026-01-10T22:15:00Z",
            "author": "Promotions",
            "summary": "Limited offer.",
            "content": HOSTILE_HTML,
        },
        {
            "title": FEATURE_TITLE,
            "link": FEATURE_URL,
            "id": FEATURE_URL,
            "published": "2026-01-08T09:00:00Z",
            "author": "Marta Quintero",
            "summary": "Framework upgrades are toil, not hard work. With usage_rules, an agent can do the "
            "mechanical part of a Phoenix 1.8 and Tailwind 4 migration while you review.",
            "content": FEATURE_HTML,
        },
        {
            "title": "Thank you for 2025",
            "link": "https://dashbit.co/blog/thank-you-for-2025",
            "id": "https://dashbit.co/blog/thank-you-for-2025",
            "published": "2025-12-19T10:00:00Z",
            "author": "Marta Quintero",
            "summary": "A short note to close the year.",
            "content": OLDER_POST_HTML,
        },
    ]
    body = "".join(
        ATOM_ENTRY.format(
            title=xml_escape(e["title"]),
            link=xml_escape(e["link"]),
            id=xml_escape(e["id"]),
            published=e["published"],
            updated=e["published"],
            author=e["author"],
            summary=xml_escape(e["summary"]),
            content=xml_escape(e["content"]),
        )
        for e in entries
    )
    words = len(strip_tags(FEATURE_HTML).split())
    paragraphs = FEATURE_HTML.count("<p>")
    w.write(
        "dashbit.co/feed.atom",
        ATOM_FEED.format(updated="2026-01-10T22:15:00Z", entries=body),
        kind="WRITTEN for the sample",
        source="no capture exists (SOURCES.md: 'Not found'); generic Atom 1.0 blog shape",
        change=f"3 entries: the long-form feature post ({paragraphs} paragraphs, {words} words, "
        "fictional author), one hostile entry (`<script>` in title, `javascript:` link, `&#106;avascript:` "
        "link and `onerror=` in content), one older tail post. Not real Dashbit posts",
    )

    def rfc822(dt: datetime, offset_hours: int) -> str:
        return format_datetime(dt.astimezone(timezone(timedelta(hours=offset_hours))))

    items = [
        {
            "title": "Thinking Elixir 286 - LiveVue 1.0 and BPF from Binaries",
            "link": "https://podcast.thinkingelixir.com/286",
            "guid": "thinkingelixir-286",
            "pub": rfc822(datetime(2026, 1, 6, 11, 0, tzinfo=UTC), -6),
            "summary": "LiveVue reaches 1.0, binary pattern matching compiled to classic BPF, and lessons "
            "from 150,000 lines of vibe-coded Elixir.",
            "content": EPISODE_286_HTML,
            "audio": "https://podcast.thinkingelixir.com/episodes/286.mp3",
            "length": 38211584,
            "episode": 286,
            "duration": "00:39:48",
        },
        {
            "title": "Thinking Elixir 285 - From Popcorn to Robots",
            "link": "https://podcast.thinkingelixir.com/285",
            "guid": "thinkingelixir-285",
            "pub": rfc822(datetime(2025, 12, 30, 11, 0, tzinfo=UTC), -6),
            "summary": "Elixir in the browser, robots on the BEAM, AI tooling and Postgres news.",
            "content": EPISODE_285_HTML,
            "audio": "https://podcast.thinkingelixir.com/episodes/285.mp3",
            "length": 41678213,
            "episode": 285,
            "duration": "00:43:25",
        },
    ]
    body = "".join(
        PODCAST_ITEM.format(
            title=xml_escape(i["title"]),
            link=i["link"],
            guid=i["guid"],
            pub=i["pub"],
            summary=xml_escape(i["summary"]),
            content=i["content"],
            audio=i["audio"],
            length=i["length"],
            episode=i["episode"],
            duration=i["duration"],
        )
        for i in items
    )
    w.write(
        "thinkingelixir.com/feed/podcast.rss",
        PODCAST_FEED.format(build=items[0]["pub"], items=body),
        kind="WRITTEN for the sample",
        source="no capture exists; generic RSS 2.0 + iTunes podcast shape",
        change="episode 286 (in the week; title and show notes written for the sample, linking forum topics) "
        "and 285 (real title and date from forum topic 73817, notes written); RFC 822 dates in -06:00; "
        "enclosure urls illustrative",
    )


# --------------------------------------------------------------- 7-8. docs

GAZETTE_TOML = """\
# Gazette config for the demo: every source reads the recorded week in
# data/sample/ through the replay server, whose address comes from the
# environment variable REPLAY_URL (scripts/demo.py and the tests set it).
# Links in the newsletter still point at the real sites (site_url).

[publication]
name = "GigaElixir Gazette"
tagline = "Your 5-minute digest of Elixir ecosystem news that actually matters"
editor = "Michael"
welcome = "Welcome to GigaElixir Gazette, your 5-minute digest of Elixir ecosystem news that actually matters 👋."
sign_off = "See you next week,"
ps = "Forward this to a friend who loves Elixir as much as you do 💜"
base_url = "https://gazette.example.org"

[paths]
issues_dir = "out/issues"

[publication.sponsor]
heading = "TIRED OF DEVOPS HEADACHES?"
body = "Deploy your next Elixir app hassle-free with Gigalixir and focus more on coding, less on ops."
cta_text = "Try Gigalixir"
cta_url = "https://www.gigalixir.com"

[[sources]]
name = "elixirforum"
kind = "discourse"
base_url = "${REPLAY_URL:-http://127.0.0.1:8765}/elixirforum.com"
site_url = "https://elixirforum.com"

[[sources]]
name = "hexpm"
kind = "hexpm"
base_url = "${REPLAY_URL:-http://127.0.0.1:8765}/hex.pm"

[[sources]]
name = "github"
kind = "github"
base_url = "${REPLAY_URL:-http://127.0.0.1:8765}/github.com"
site_url = "https://github.com"
repos = ["elixir-lang/elixir", "phoenixframework/phoenix_live_view"]

[[sources]]
name = "reddit"
kind = "reddit"
base_url = "${REPLAY_URL:-http://127.0.0.1:8765}/www.reddit.com"
subreddit = "elixir"

[[sources]]
name = "hackernews"
kind = "hackernews"
base_url = "${REPLAY_URL:-http://127.0.0.1:8765}/hn.algolia.com"
query = "elixir"

[[sources]]
name = "dashbit"
kind = "feed"
url = "${REPLAY_URL:-http://127.0.0.1:8765}/dashbit.co/feed"

[[sources]]
name = "thinkingelixir"
kind = "feed"
url = "${REPLAY_URL:-http://127.0.0.1:8765}/thinkingelixir.com/feed/podcast"
"""

README_HEAD = """\
# data/sample: one recorded week of the Elixir ecosystem

Generated by `python3 scripts/make_sample.py` from `../shared/fixtures/real/`
(deterministic; re-running it rewrites exactly these files). Do not edit by hand.

**Sample week: ISO {week}, Monday 2026-01-05 00:00 UTC to Sunday 2026-01-11 23:59 UTC.**
Items outside the week are deliberate: forum topics created earlier but bumped this week,
and paging tails (older Hex packages, older GitHub releases, the Reddit sticky, an older
blog post and podcast episode).

## Replay layout

`gazette replay data/sample` serves a request for `/<host>/<path>?<query>` from the file
`data/sample/<host>/<path>`, or, when there is a query string, from
`<path>@<query params sorted by key, joined by &>`. An extra extension (`.json`, `.atom`,
`.xml`, `.rss`) may be appended to a file name to give the Content-Type. For a query request
a file whose params are a subset of the request's (same values) also matches; the most
specific file wins. So `/hex.pm/api/packages?sort=updated_at&page=1` is served from
`hex.pm/api/packages@page=1&sort=updated_at.json`, and `/dashbit.co/feed` from
`dashbit.co/feed.atom`. `gazette.toml` here is the demo config (sources read `${{REPLAY_URL}}`, the replay
server's address).

## Kinds

- **byte-identical**: the real capture, unchanged.
- **DERIVED (date shift)**: the real capture with every timestamp moved by one constant delta;
  all other bytes identical (Hex: +{hex_days} days so the newest package lands on 2026-01-10;
  Reddit: +{reddit_delta}).
- **DERIVED**: built by this script in the exact shape of a real capture (named in the table),
  filled from real items where the fixtures have them; invented values are listed.
- **WRITTEN for the sample**: no real capture exists (see SOURCES.md "Not found"); shape of a
  real blog/podcast feed, content written for the sample. The Dashbit and Thinking Elixir
  entries are **not** real posts or episodes; the feature post's author is fictional.

## Files

| file | kind | from (fixture; upstream repo @ commit : path) | what changed | bytes | sha256 |
|---|---|---|---|---|---|
"""

README_TAIL = """
## Notes

- Forum: `latest.json` is kept byte-identical; no topic needed a date shift. Its {n_week}
  topics created in the week are the weekly top list; `t/<id>.json` exists for the five
  most-liked ones. Two popular topics (73878 "I built a Reddit monitoring tool...", 25 likes,
  and 73861 "Nex - 0.3.x...", 34 likes) were created on 2026-01-03 and 2026-01-02 (ISO week
  2026-W01) and deliberately left outside the sample week. Only the pinned release topic has
  an `excerpt` in the real capture.
- GitHub: the Elixir repository id (1234714) and José Valim's avatar URL are believed real
  but unchecked; the LiveView release (`v1.1.20`, 2026-01-07) is illustrative. The older
  Elixir entries use the release dates of Elixir's CHANGELOG.
- Reddit: the real r/elixir posts are from June 2024, so their titles are anachronistic in
  2026 (e.g. "Elixir v1.17.0 released", "Poison v6.0.0 released"); useful for testing that
  clustering does not merge different versions. Post ids keep their 2024 values.
- Hostile data lives in `dashbit.co/feed.atom` (entry "Win a free Elixir sticker pack"):
  `<script>` in the title, `javascript:alert(1)` as the link, an entity-encoded
  `&#106;avascript:` link and an `onerror=` attribute in the content. It has no
  engagement anywhere, so it must never become a top story, and it must render inert.
"""


def make_docs(w: Writer, src: dict[str, str], n_week: int) -> None:
    w.write(
        "gazette.toml",
        GAZETTE_TOML,
        kind="WRITTEN for the sample",
        source="-",
        change="demo config",
    )
    rows = []
    for rel in sorted(w.files):
        meta = w.files[rel]
        raw = (w.out / rel).read_bytes()
        origin = meta["source"]
        for fname, upstream in src.items():
            origin = origin.replace(f"`{fname}`", f"`{fname}` ({upstream})", 1)
        rows.append(
            f"| `{rel}` | {meta['kind']} | {origin} | {meta['change']} | {len(raw)} | "
            f"`{hashlib.sha256(raw).hexdigest()[:16]}` |"
        )
    text = (
        README_HEAD.format(week=WEEK, hex_days=HEX_DELTA.days, reddit_delta=REDDIT_DELTA)
        + "\n".join(rows)
        + "\n"
        + README_TAIL.format(n_week=n_week)
    )
    w.write("README.md", text, kind="-", source="-", change="-")


# ------------------------------------------------------------------ check


def check(out: Path) -> int:
    """Parse every file and print item counts and date ranges."""
    try:
        import feedparser  # type: ignore[import-not-found]
    except ImportError:
        feedparser = None
    problems = 0
    total = 0
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        raw = path.read_bytes()
        total += len(raw)
        dates: list[datetime] = []
        count: int | str = "-"
        if rel.endswith((".md", ".toml")):
            if rel.endswith(".toml"):
                import tomllib

                tomllib.loads(raw.decode())
            print(f"{rel:70} {'ok':>5}")
            continue
        is_json = rel.endswith(".json") or ".json@" in rel
        if is_json:
            data = json.loads(raw)
            if isinstance(data, list):
                count = len(data)
                dates = [parse_iso(p["inserted_at"]) for p in data]
                upd = [parse_iso(p["updated_at"]) for p in data]
                dates = upd if "updated_at" in rel else dates
            elif "topic_list" in data:
                count = len(data["topic_list"]["topics"])
                dates = [parse_iso(t["created_at"]) for t in data["topic_list"]["topics"]]
            elif "post_stream" in data:
                count = len(data["post_stream"]["posts"])
                dates = [parse_iso(data["created_at"])]
            elif data.get("kind") == "Listing":
                count = len(data["data"]["children"])
                dates = [
                    datetime.fromtimestamp(c["data"]["created_utc"], UTC)
                    for c in data["data"]["children"]
                ]
            elif "hits" in data:
                count = len(data["hits"])
                dates = [datetime.fromtimestamp(h["created_at_i"], UTC) for h in data["hits"]]
            elif "releases" in data:
                count = len(data["releases"])
                dates = [parse_iso(data["updated_at"])]
        else:
            ET.fromstring(raw)
            if feedparser is not None:
                d = feedparser.parse(raw)
                if d.bozo:
                    print(f"  feedparser bozo on {rel}: {d.bozo_exception}")
                    problems += 1
                count = len(d.entries)
                for e in d.entries:
                    t = e.get("published_parsed") or e.get("updated_parsed")
                    if t:
                        dates.append(datetime(*t[:6], tzinfo=UTC))
            else:
                root = ET.fromstring(raw)
                count = len(root.findall(f"{ATOM}entry")) + len(root.findall("channel/item"))
        inside = sum(1 for d in dates if in_week(d))
        span = f"{min(dates):%Y-%m-%d} .. {max(dates):%Y-%m-%d}" if dates else ""
        print(f"{rel:70} {count!s:>5}  {span:24} in {WEEK}: {inside}")
    print(
        f"total {total} bytes{'' if feedparser else ' (feedparser not installed: XML checked with ElementTree only)'}"
    )
    if total > 1_500_000:
        print("over the 1.5 MB budget")
        problems += 1
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("fixtures", nargs="?", type=Path, default=DEFAULT_FIXTURES)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument(
        "--check", action="store_true", help="only parse and summarize an existing sample"
    )
    args = ap.parse_args(argv)
    if args.check:
        return 1 if check(args.out) else 0
    if not (args.fixtures / "SOURCES.md").is_file():
        print(f"no SOURCES.md in {args.fixtures}", file=sys.stderr)
        return 2
    if args.out.exists():
        shutil.rmtree(args.out)
    w = Writer(args.out)
    src = load_sources(args.fixtures)
    week = make_discourse(args.fixtures, w, src)
    release = next(t for t in week if t["id"] == 73923)
    make_hexpm(args.fixtures, w)
    make_github(args.fixtures, w, release["excerpt"])
    make_reddit(args.fixtures, w)
    make_hn(args.fixtures, w)
    make_feeds(w)
    make_docs(w, src, len(week))
    return 1 if check(args.out) else 0


if __name__ == "__main__":
    sys.exit(main())
