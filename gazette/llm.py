"""Summaries from any OpenAI-compatible chat-completions endpoint.

Ollama, a llama.cpp server and OpenAI all speak the same protocol: POST
``{"model", "messages"}`` to ``[llm] endpoint``, read
``choices[0].message.content``. The API key, if any, comes from the environment
variable named by ``[llm] api_key_env``; it is never stored in the config.

Prompts live in ``templates/prompts/`` (a user's ``[paths] templates_dir`` can
override them): ``summary.j2`` writes the summary, ``notes.j2`` takes notes from
one part of a long source. A long source is split at paragraph and sentence
boundaries, each part is turned into notes (map) and the summary is written from
the notes (reduce), so nothing is cut silently.

Answers are cached in the ``summaries`` table by (item id, prompt hash, model):
the hash covers the templates and everything rendered into them, so changing a
prompt, the source text or the word budget asks again, and asking twice does not.
Every failure (connection refused, timeout, an HTTP error such as 429 or 500, a
malformed answer) is an ``LlmError`` with a one-line reason; the caller falls
back to the extractive summary.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import jinja2

from gazette import __version__
from gazette.clean import clean_title
from gazette.config import Settings
from gazette.errors import GazetteError, RenderError
from gazette.models import StoredItem
from gazette.prose import sentences, strip_boilerplate
from gazette.urls import safe_url

SUMMARY_PROMPT = "prompts/summary.j2"
NOTES_PROMPT = "prompts/notes.j2"
# Words of source per request: small enough for the context of a local model.
CHUNK_WORDS = 900
# At most this many parts are summarized; a longer source is cut, with a warning.
MAX_CHUNKS = 8


class LlmError(GazetteError):
    """The LLM could not be used; the message says why, in one line."""


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str

    def messages(self) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user}]


@dataclass(frozen=True)
class LlmSummary:
    text: str
    cached: bool
    requests: int
    warnings: tuple[str, ...] = ()


class SummaryCache(Protocol):
    """Where answers are kept: the ``summaries`` table (``Store`` has these)."""

    def cached_summary(self, item_id: int, prompt_hash: str, model: str) -> str | None: ...

    def save_summary(self, item_id: int, prompt_hash: str, model: str, text: str) -> None: ...


def prompt_env(settings: Settings) -> jinja2.Environment:
    """The process's one template environment (``gazette.render``), so a user's
    ``[paths] templates_dir`` overrides prompts as it does every other template.

    It leaves templates under ``prompts/`` unescaped, and only those: a prompt
    is plain text sent to a model, never HTML. A templates_dir that is not a
    folder is an LlmError here, so the caller falls back as for any other.
    """
    from gazette.render import template_env

    try:
        return template_env(settings)
    except RenderError as exc:
        raise LlmError(str(exc)) from None


def render_prompt(env: jinja2.Environment, name: str, **context: Any) -> Prompt:
    """The ``system`` and ``user`` blocks of template ``name``."""
    try:
        template = env.get_template(name)
        ctx = template.new_context(context)
        parts = {
            block: "".join(template.blocks[block](ctx)).strip() for block in ("system", "user")
        }
    except jinja2.TemplateNotFound as exc:
        raise LlmError(f"prompt template {exc.name} not found") from None
    except KeyError as exc:
        raise LlmError(f"prompt template {name} has no {{% block {exc.args[0]} %}}") from None
    except jinja2.TemplateError as exc:
        raise LlmError(f"prompt template {name}: {exc}") from None
    return Prompt(parts["system"], parts["user"])


def template_source(env: jinja2.Environment, name: str) -> str:
    from gazette.render import template_source as source_of

    try:
        return source_of(env, name)
    except RenderError:
        raise LlmError(f"prompt template {name} not found") from None


def chunk_text(text: str, max_words: int = CHUNK_WORDS) -> list[str]:
    """Parts of at most ``max_words`` words, split between paragraphs, else
    between sentences, else (a single endless sentence) between words. Joined,
    the parts hold every word of the text."""
    pieces: list[str] = []
    for paragraph in (p for p in text.split("\n\n") if p.strip()):
        if len(paragraph.split()) <= max_words:
            pieces.append(paragraph.strip())
            continue
        for sentence in sentences(paragraph):
            words = sentence.split()
            pieces += [" ".join(words[i : i + max_words]) for i in range(0, len(words), max_words)]
    chunks: list[str] = []
    current: list[str] = []
    count = 0
    for piece in pieces:
        size = len(piece.split())
        if current and count + size > max_words:
            chunks.append("\n\n".join(current))
            current, count = [], 0
        current.append(piece)
        count += size
    if current:
        chunks.append("\n\n".join(current))
    return chunks


def llm_summary(cache: SummaryCache, settings: Settings, source: StoredItem) -> LlmSummary:
    """The LLM's summary of ``source``, from ``cache`` when it was asked before."""
    llm = settings.llm
    env = prompt_env(settings)
    item = source.item
    text = strip_boilerplate(item.text) or item.title
    chunks = chunk_text(text)
    warnings: list[str] = []
    if len(chunks) > MAX_CHUNKS:
        kept = sum(len(c.split()) for c in chunks[:MAX_CHUNKS])
        warnings.append(
            f"source is {len(text.split()):,} words: summarized its first {kept:,}"
            f" ({MAX_CHUNKS} parts of {len(chunks)})"
        )
        chunks = chunks[:MAX_CHUNKS]
    context = {
        "title": item.title,
        "kind": item.kind,
        "source_name": item.source,
        "author": item.author,
        "publication": settings.publication.name,
        "max_words": llm.max_words,
    }
    if len(chunks) == 1:
        first_stage = [render_prompt(env, SUMMARY_PROMPT, **context, source=chunks[0], notes=False)]
    else:
        first_stage = [
            render_prompt(env, NOTES_PROMPT, **context, part=i, parts=len(chunks), source=chunk)
            for i, chunk in enumerate(chunks, start=1)
        ]
    key = prompt_hash(first_stage, template_source(env, SUMMARY_PROMPT))
    hit = cache.cached_summary(source.id, key, llm.model)
    if hit is not None:
        return LlmSummary(hit, cached=True, requests=0, warnings=tuple(warnings))

    with httpx.Client(timeout=httpx.Timeout(llm.timeout, connect=min(10.0, llm.timeout))) as client:
        answers = [complete(client, settings, prompt) for prompt in first_stage]
        requests = len(answers)
        if len(chunks) > 1:
            notes = "\n\n".join(f"Part {i}:\n{a}" for i, a in enumerate(answers, start=1))
            reduce = render_prompt(env, SUMMARY_PROMPT, **context, source=notes, notes=True)
            answers = [complete(client, settings, reduce)]
            requests += 1
    summary = tidy(answers[-1])
    if not summary:
        raise LlmError("the model answered with an empty summary")
    words = len(summary.split())
    if words > llm.max_words * 1.5:
        warnings.append(f"the LLM summary is {words} words (budget {llm.max_words})")
    cache.save_summary(source.id, key, llm.model, summary)
    return LlmSummary(summary, cached=False, requests=requests, warnings=tuple(warnings))


def prompt_hash(prompts: Sequence[Prompt], reduce_template: str) -> str:
    payload = json.dumps(
        {"prompts": [p.messages() for p in prompts], "reduce": reduce_template},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def complete(client: httpx.Client, settings: Settings, prompt: Prompt) -> str:
    """One chat completion; every way it can fail becomes an LlmError."""
    llm = settings.llm
    endpoint = safe_url(llm.endpoint)
    if not endpoint:
        raise LlmError(f"[llm] endpoint must be an http(s) URL, not {llm.endpoint!r}")
    headers = {"User-Agent": f"gazette/{__version__}", "Content-Type": "application/json"}
    key = os.environ.get(llm.api_key_env, "") if llm.api_key_env else ""
    if key:
        headers["Authorization"] = f"Bearer {key}"
    body = {"model": llm.model, "messages": prompt.messages(), "temperature": 0.2}
    try:
        response = client.post(endpoint, json=body, headers=headers)
    except httpx.TimeoutException:
        raise LlmError(f"{endpoint} did not answer within {llm.timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise LlmError(f"cannot reach {endpoint}: {exc}") from None
    if response.status_code == 429:
        raise LlmError(f"{endpoint} is rate limiting (HTTP 429); try again later")
    if response.status_code >= 400:
        raise LlmError(f"{endpoint} answered HTTP {response.status_code}")
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        # Some servers stream whatever the request asked for: the deltas, joined.
        return _streamed_content(response.text, endpoint)
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise LlmError(f"{endpoint} sent a malformed chat completion") from None
    if not isinstance(content, str):
        raise LlmError(f"{endpoint} sent a malformed chat completion")
    return content


def _streamed_content(body: str, endpoint: str) -> str:
    """The text of a streamed chat completion (server-sent events, one JSON
    chunk per ``data:`` line, ``data: [DONE]`` at the end)."""
    parts: list[str] = []
    for line in body.splitlines():
        if not line.startswith("data:"):
            continue
        data = line[len("data:") :].strip()
        if data == "[DONE]":
            break
        try:
            delta = json.loads(data)["choices"][0].get("delta") or {}
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise LlmError(f"{endpoint} sent a malformed streamed completion") from None
        content = delta.get("content") if isinstance(delta, dict) else None
        if isinstance(content, str):
            parts.append(content)
    if not parts:
        raise LlmError(f"{endpoint} sent a streamed completion without text")
    return "".join(parts)


def tidy(answer: str) -> str:
    """The model's answer as one plain-text paragraph: no markup, no "Summary:"
    label, no quotes around it. Model output is as untrusted as scraped text."""
    text = clean_title(answer)
    for label in ("summary:", "here is the summary:", "here's the summary:"):
        if text.lower().startswith(label):
            text = text[len(label) :].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'“”":
        text = text[1:-1].strip()
    return text
