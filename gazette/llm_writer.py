"""The LLM as the draft's writer: headlines, summaries with a take, the feature
and the issue's name, in the newsletter's voice.

With ``[llm] enabled``, a new draft (``gazette draft``, ``gazette weekly``) is
first composed offline (gazette.compose), then the model rewrites it:

- each pick's headline and a 50-90 word summary (``prompts/pick.j2``);
- the feature's body and its "Remember:" points (``prompts/feature.j2``);
- the issue's title, subtitle and preheader, from the stories as written
  (``prompts/issue.j2``).

Every text is checked against its story's sources (gazette.faithfulness)
before it enters the draft; what the sources do not support (a version, a
number, a name, a link) is written beside it as ``<!-- unsupported: "v2.0" -->``
for the editor. Answers are cached by item, prompt and model (the ``summaries``
table), and ``[llm] concurrency`` requests run at a time. Whatever goes wrong (no
server, a timeout, HTTP 429, a malformed answer) leaves the offline text in
place; after the first failure of the server itself nothing more is asked, so a
dead model costs one timeout, not one per story. The caller prints the one
warning :class:`Written` carries.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import httpx
import jinja2

from gazette.clean import clean_title
from gazette.config import Settings
from gazette.faithfulness import Claim, story_source_text, unsupported_claims
from gazette.llm import (
    LlmError,
    Prompt,
    chunk_text,
    complete,
    prompt_env,
    prompt_hash,
    render_prompt,
    template_source,
    tidy,
)
from gazette.markdown import markdown_escape
from gazette.models import Candidate, Issue, Pick, StoredItem
from gazette.prose import strip_boilerplate
from gazette.store import Store
from gazette.summarize import summary_source

PICK_PROMPT = "prompts/pick.j2"
FEATURE_PROMPT = "prompts/feature.j2"
ISSUE_PROMPT = "prompts/issue.j2"
PROMPTS = (PICK_PROMPT, FEATURE_PROMPT, ISSUE_PROMPT)
MIN_WORDS = 50
FEATURE_BODY_WORDS = 200
MAX_HEADLINE = 90

_LABEL = re.compile(
    r"^\s*[*_#]*\s*(HEADLINE|SUMMARY|BODY|REMEMBER|TITLE|SUBTITLE|PREHEADER)\s*[*_]*\s*:\s*[*_]*\s*(.*)$",
    re.I,
)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(.*\S)\s*$")
_LEADING_EMOJI = re.compile(r"^[^\w\"'“‘(\[]+\s*")


class AnswerError(LlmError):
    """The model answered, but not in the form the prompt asks for."""


@dataclass(frozen=True)
class Written:
    """The issue as the model wrote it (the offline one where it could not),
    the TOML lines the draft's front matter gains, and at most one warning."""

    issue: Issue
    front_matter: tuple[str, ...] = ()
    warning: str = ""
    written: int = 0  # texts the model wrote (cached ones included)
    failed: int = 0


@dataclass(frozen=True)
class _Job:
    item_id: int
    prompt: Prompt
    key: str  # cache key: the prompt's hash
    support: str  # the story's sources, for the faithfulness check


def prompt_version(env: jinja2.Environment) -> str:
    """A short hash of the three writer prompts as in use (a user's override included)."""
    digest = hashlib.sha256()
    for name in PROMPTS:
        digest.update(template_source(env, name).encode("utf-8"))
    return digest.hexdigest()[:12]


def write_issue(
    store: Store, settings: Settings, issue: Issue, candidates: Sequence[Candidate]
) -> Written:
    """``issue`` rewritten by the model; never raises for the model's sake."""
    try:
        env = prompt_env(settings)
        version = prompt_version(env)
    except LlmError as exc:
        return Written(issue, warning=f"LLM not used ({exc}); the draft is the offline one")
    asker = _Asker(store, settings)
    context = {"publication": settings.publication.name, "max_words": settings.llm.max_words}

    picks = list(issue.picks)
    pick_jobs: list[tuple[int, _Job]] = []
    for index, pick in enumerate(picks):
        story = _story(store, pick, candidates)
        if story:
            pick_jobs.append((index, _pick_job(env, context, pick, story)))
    feature_job = None
    if issue.feature is not None and (story := _story(store, issue.feature, candidates)):
        feature_job = _feature_job(env, context, issue.feature, story)

    jobs = [job for _, job in pick_jobs] + ([feature_job] if feature_job else [])
    answers = asker.ask_all(jobs)
    for (index, job), answer in zip(pick_jobs, answers, strict=False):
        picks[index] = asker.apply(answer, job, picks[index], _written_pick)
    feature = issue.feature
    if feature_job is not None and feature is not None:
        feature = asker.apply(answers[-1], feature_job, feature, _written_feature)
    written = replace(issue, picks=tuple(picks), feature=feature)

    front = [f'writer = "llm:{_toml_plain(settings.llm.model)}"', f'prompt_version = "{version}"']
    if picks and picks[0].item_id is not None:
        job = _issue_job(env, context, written, picks[0].item_id, jobs)
        (answer,) = asker.ask_all([job])
        named = asker.apply(answer, job, _Named(written.title, written.subtitle), _written_names)
        written = replace(
            written, title=named.title, subtitle=named.subtitle, preheader=named.preheader
        )
        front += [f"# unsupported: {note}" for note in named.notes]
    if not asker.written:
        return Written(issue, warning=asker.warning(), failed=asker.failed)
    return Written(written, tuple(front), asker.warning(), asker.written, asker.failed)


# -- asking ---------------------------------------------------------------------


class _Asker:
    """Asks the model, from the cache first, ``concurrency`` at a time, and
    stops asking once the server itself failed."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.broken: str = ""
        self.reasons: list[str] = []
        self.written = 0
        self.failed = 0
        self._lock = threading.Lock()

    def ask_all(self, jobs: Sequence[_Job]) -> list[str | LlmError]:
        model = self.settings.llm.model
        results: list[str | LlmError | None] = [
            self.store.cached_summary(job.item_id, job.key, model) for job in jobs
        ]
        missing = [i for i, r in enumerate(results) if r is None]
        if missing:
            llm = self.settings.llm
            timeout = httpx.Timeout(llm.timeout, connect=min(10.0, llm.timeout))
            with (
                httpx.Client(timeout=timeout) as client,
                ThreadPoolExecutor(max_workers=min(llm.concurrency, len(missing))) as pool,
            ):
                asked = pool.map(lambda i: self._ask(client, jobs[i].prompt), missing)
                for i, answer in zip(missing, asked, strict=True):
                    results[i] = answer
        return [r if r is not None else LlmError("no answer") for r in results]

    def _ask(self, client: httpx.Client, prompt: Prompt) -> str | LlmError:
        if self.broken:
            return LlmError(self.broken)
        try:
            return complete(client, self.settings, prompt)
        except LlmError as exc:
            with self._lock:
                self.broken = self.broken or str(exc)
            return exc

    def apply(
        self,
        answer: str | LlmError,
        job: _Job,
        offline: Any,
        build: Callable[[str, Any, str], Any],
    ) -> Any:
        """``build(answer, offline, support)``, saved to the cache; the offline
        value when the model failed or answered out of form."""
        if isinstance(answer, LlmError):
            self._fail(str(answer))
            return offline
        try:
            result = build(answer, offline, job.support)
        except AnswerError as exc:
            self._fail(str(exc))
            return offline
        self.store.save_summary(job.item_id, job.key, self.settings.llm.model, answer)
        self.written += 1
        return result

    def _fail(self, reason: str) -> None:
        self.failed += 1
        if reason not in self.reasons:
            self.reasons.append(reason)

    def warning(self) -> str:
        if not self.failed:
            return ""
        total = self.failed + self.written
        return (
            f"LLM unavailable for {self.failed} of {total} texts ({self.reasons[0]});"
            " the draft keeps the offline text there"
        )


# -- prompts --------------------------------------------------------------------


def _story(store: Store, pick: Pick, candidates: Sequence[Candidate]) -> list[StoredItem]:
    if pick.item_id is None:
        return []
    for candidate in candidates:
        members = [candidate.lead, *candidate.related]
        if any(m.id == pick.item_id for m in members):
            return members
    stored = store.item(pick.item_id)
    return [stored] if stored else []


def _source(story: Sequence[StoredItem], item_id: int) -> StoredItem:
    return summary_source(story, item_id)


def _excerpt(stored: StoredItem) -> str:
    text = strip_boilerplate(stored.item.text) or stored.item.title
    return chunk_text(text)[0]


def _job(
    env: jinja2.Environment, name: str, item_id: int, story: Sequence[StoredItem], **ctx: Any
) -> _Job:
    prompt = render_prompt(env, name, **ctx)
    return _Job(item_id, prompt, prompt_hash([prompt], name), story_source_text(story))


def _item_fields(source: StoredItem) -> dict[str, Any]:
    """What the pick and feature prompts both say about the story's source item."""
    item = source.item
    return {
        "title": item.title,
        "kind": item.kind,
        "source_name": item.source,
        "author": item.author,
        "source": _excerpt(source),
    }


def _pick_job(
    env: jinja2.Environment, context: dict[str, Any], pick: Pick, story: Sequence[StoredItem]
) -> _Job:
    assert pick.item_id is not None
    source = _source(story, pick.item_id)
    related = sorted({s.item.title for s in story if s.item.title != source.item.title})
    return _job(
        env,
        PICK_PROMPT,
        pick.item_id,
        story,
        **context,
        **_item_fields(source),
        related=related,
        min_words=MIN_WORDS,
    )


def _feature_job(
    env: jinja2.Environment, context: dict[str, Any], pick: Pick, story: Sequence[StoredItem]
) -> _Job:
    assert pick.item_id is not None
    source = next((s for s in story if s.id == pick.item_id), story[0])
    return _job(
        env,
        FEATURE_PROMPT,
        pick.item_id,
        story,
        **context,
        **_item_fields(source),
        body_words=FEATURE_BODY_WORDS,
    )


def _issue_job(
    env: jinja2.Environment,
    context: dict[str, Any],
    issue: Issue,
    item_id: int,
    jobs: Sequence[_Job],
) -> _Job:
    stories = [{"headline": p.headline, "summary": _plain(p.body)} for p in issue.picks]
    prompt = render_prompt(
        env,
        ISSUE_PROMPT,
        **context,
        stories=stories,
        feature=issue.feature.headline if issue.feature else "",
    )
    support = "\n\n".join(
        [*(j.support for j in jobs), *(f"{s['headline']}\n{s['summary']}" for s in stories)]
    )
    return _Job(item_id, prompt, prompt_hash([prompt], ISSUE_PROMPT), support)


# -- answers --------------------------------------------------------------------


def _fields(answer: str) -> dict[str, str]:
    """The labelled parts of an answer ("HEADLINE: ..."), each up to the next label."""
    found: dict[str, list[str]] = {}
    current = ""
    for line in answer.replace("\r\n", "\n").split("\n"):
        if match := _LABEL.match(line):
            current = match.group(1).upper()
            found[current] = [match.group(2)]
        elif current:
            found[current].append(line)
    return {k: "\n".join(v).strip() for k, v in found.items()}


def _need(fields: dict[str, str], *labels: str) -> list[str]:
    values = [fields.get(label, "") for label in labels]
    missing = [label for label, value in zip(labels, values, strict=True) if not value]
    if missing:
        raise AnswerError(f"the model's answer has no {' or '.join(missing)}")
    return values


def _headline(text: str) -> str:
    line = clean_title(_LEADING_EMOJI.sub("", text.split("\n")[0]))
    return line.strip("\"'“”‘’").rstrip(".").strip()


def _unsupported(text: str, support: str, headline: str = "") -> list[Claim]:
    """Claims of ``text`` (and of ``headline``) the sources do not support. A
    headline is in title case, where every word looks like a name: only its
    versions, numbers, identifiers and links are checked."""
    claims = unsupported_claims(text, support) if text else []
    if headline:
        claims += [c for c in unsupported_claims(headline, support) if c.kind != "name"]
    unique: dict[str, Claim] = {}
    for claim in claims:
        unique.setdefault(claim.text, claim)
    return list(unique.values())


def _note(claims: Sequence[Claim]) -> str:
    shown = ", ".join(f'"{_comment_safe(c.text)}"' for c in claims)
    return f"<!-- unsupported: {shown} -->"


def _written_pick(answer: str, offline: Pick, support: str) -> Pick:
    headline, summary = _need(_fields(answer), "HEADLINE", "SUMMARY")
    headline = _headline(headline)
    summary = tidy(summary)
    if not headline or not summary:
        raise AnswerError("the model's answer has an empty headline or summary")
    body = markdown_escape(summary)
    claims = _unsupported(summary, support, headline)
    if claims:
        body += "\n\n" + _note(claims)
    return replace(offline, headline=headline, body=body)


def _written_feature(answer: str, offline: Pick, support: str) -> Pick:
    body, remember = _need(_fields(answer), "BODY", "REMEMBER")
    paragraphs = [tidy(p) for p in re.split(r"\n\s*\n", body) if p.strip()]
    points = [
        clean_title(m.group(1)) for line in remember.split("\n") if (m := _BULLET.match(line))
    ]
    if not paragraphs or len(points) < 3:
        raise AnswerError("the model's feature needs a body and three or four points")
    points = points[:4]
    text = "\n\n".join(markdown_escape(p) for p in paragraphs)
    claims = _unsupported("\n\n".join([*paragraphs, *points]), support)
    if claims:
        text += "\n\n" + _note(claims)
    return replace(offline, body=text, remember=tuple(markdown_escape(p) for p in points))


@dataclass(frozen=True)
class _Named:
    title: str
    subtitle: str
    preheader: str = ""
    notes: tuple[str, ...] = ()


def _written_names(answer: str, offline: _Named, support: str) -> _Named:
    fields = _fields(answer)
    title, subtitle = (_headline(v) for v in _need(fields, "TITLE", "SUBTITLE"))
    preheader = clean_title(fields.get("PREHEADER", ""))
    if not title or not subtitle:
        raise AnswerError("the model's answer has an empty title or subtitle")
    claims = _unsupported(preheader, support, f"{title}\n\n{subtitle}")
    notes = (", ".join(f'"{_comment_safe(c.text)}"' for c in claims),) if claims else ()
    return _Named(title, subtitle, preheader, notes)


def _plain(body: str) -> str:
    return re.sub(r"<!--.*?-->", "", body, flags=re.S).replace("\\", "").strip()


def _comment_safe(text: str) -> str:
    return text.replace("--", "—").replace("<", "").replace(">", "").replace('"', "'")


def _toml_plain(text: str) -> str:
    return text.replace("\\", "").replace('"', "")
