"""The LLM backend against a real OpenAI-compatible server on loopback.

The server below speaks the chat-completions protocol over real HTTP and returns
canned answers, or fails the way real servers do (500, 429, too slow, broken
JSON). Nothing is mocked inside Gazette.
"""

from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from gazette.config import Settings, load_settings
from gazette.llm import CHUNK_WORDS, LlmError, Prompt, chunk_text, prompt_env, render_prompt
from gazette.models import Item
from gazette.render import template_env
from gazette.store import Store, open_store
from gazette.summarize import extractive_summary, summarize_item
from gazette.timeutil import week_bounds
from tests.conftest import SAMPLE_WEEK, run_cli
from tests.fake_llm import ReplyingHandler, completion, serving

ANSWER = (
    "LiveVue v1.0 is out: it renders Vue components from Phoenix LiveView with"
    " server-side state. Keep LiveView for data and routing and reach for Vue where a"
    " rich widget pays off. Worth a look if you were hand-rolling hooks."
)


@dataclass
class FakeOpenAI:
    """Behaviour of the next answers: "ok", "500", "429", "slow", "garbage", "empty"."""

    mode: str = "ok"
    answer: str = ANSWER
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    port: int = 0


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(ReplyingHandler):
        def do_POST(self) -> None:
            body = self._json_body()
            fake.requests.append(body)
            fake.headers.append(dict(self.headers))
            if fake.mode == "slow":
                time.sleep(1.5)
            if fake.mode in ("500", "429"):
                self._send(int(fake.mode), b'{"error": {"message": "no"}}')
                return
            if fake.mode == "garbage":
                self._send(200, b'{"choices": [{"message": ')
                return
            if fake.mode == "empty":
                self._send(200, json.dumps({"choices": []}).encode())
                return
            system = body["messages"][0]["content"]
            content = "- a note" if "take notes" in system else fake.answer
            self._send(200, completion(body["model"], content))

    return Handler


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    state = FakeOpenAI()
    with serving(_handler(state)) as state.port:
        yield state


@pytest.fixture
def store(own_store: Store) -> Store:
    """Each test writes to a copy of its own (an empty summary cache)."""
    return own_store


def settings_for(
    tmp_path: Path, port: int, model: str = "test-model", timeout: float = 1.0
) -> Settings:
    config = tmp_path / "gazette.toml"
    config.write_text(
        "[llm]\n"
        f'endpoint = "http://127.0.0.1:{port}/v1/chat/completions"\n'
        f'model = "{model}"\n'
        'api_key_env = "GAZETTE_TEST_LLM_KEY"\n'
        f"timeout = {timeout}\n"
        "max_words = 60\n",
        "utf-8",
    )
    return load_settings(config)


def livevue_id(store: Store) -> int:
    week = store.items_between(*week_bounds(SAMPLE_WEEK))
    return next(s.id for s in week if s.item.title.startswith("LiveVue - v1.0"))


def test_llm_summary_over_http_then_from_the_cache(
    store: Store, fake: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GAZETTE_TEST_LLM_KEY", "sk-test")
    settings = settings_for(tmp_path, fake.port)
    item_id = livevue_id(store)

    first = summarize_item(store, settings, item_id, use_llm=True)
    assert (first.text, first.backend, first.cached, first.warnings) == (
        ANSWER,
        "llm:test-model",
        False,
        (),
    )
    (request,) = fake.requests
    assert request["model"] == "test-model"
    system, user = request["messages"]
    assert (system["role"], user["role"]) == ("system", "user")
    assert "Use only facts stated in the source" in system["content"]
    assert "At most 60 words" in system["content"]
    assert "LiveVue lets you render Vue components from Phoenix LiveView" in user["content"]
    assert fake.headers[0]["Authorization"] == "Bearer sk-test"

    again = summarize_item(store, settings, item_id, use_llm=True)
    assert (again.text, again.cached) == (ANSWER, True)
    assert len(fake.requests) == 1  # the cache answered; no second request

    other_model = settings_for(tmp_path, fake.port, model="other-model")
    summarize_item(store, other_model, item_id, use_llm=True)
    assert len(fake.requests) == 2
    rows = list(store.db.query("select item_id, model from summaries order by model"))
    assert rows == [
        {"item_id": item_id, "model": "other-model"},
        {"item_id": item_id, "model": "test-model"},
    ]


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("500", "answered HTTP 500"),
        ("429", "rate limiting (HTTP 429)"),
        ("slow", "did not answer within 1 s"),
        ("garbage", "malformed chat completion"),
        ("empty", "malformed chat completion"),
    ],
)
def test_a_failing_llm_falls_back_to_extractive(
    store: Store, fake: FakeOpenAI, tmp_path: Path, mode: str, reason: str
) -> None:
    fake.mode = mode
    settings = settings_for(tmp_path, fake.port)
    item_id = livevue_id(store)
    result = summarize_item(store, settings, item_id, use_llm=True)
    stored = store.item(item_id)
    assert stored is not None
    assert result.backend == "extractive"
    assert result.text == extractive_summary(stored.item, settings.draft.summary_words)
    (warning,) = result.warnings
    assert reason in warning and "using the extractive summary" in warning
    assert "\n" not in warning
    assert store.db["summaries"].count == 0  # failures are not cached


def test_an_absent_llm_falls_back_and_the_command_says_so(sample_db: Path, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings_for(tmp_path, port)
    shutil.copy(sample_db, tmp_path / "g.db")
    with open_store(tmp_path / "g.db") as store:
        item_id = livevue_id(store)
    result = run_cli(
        "--config", str(tmp_path / "gazette.toml"), "--db", str(tmp_path / "g.db"),
        "summarize", str(item_id), "--llm",
    )  # fmt: skip
    assert "warning: LLM unavailable (cannot reach http://127.0.0.1:" in result.output
    assert "LiveVue v1.0 is out!" in result.output


def test_invented_facts_in_the_llm_answer_are_flagged(
    store: Store, fake: FakeOpenAI, tmp_path: Path
) -> None:
    fake.answer = "LiveVue v2.0 is out, by Chris McCord, with 12 new hooks."
    result = summarize_item(store, settings_for(tmp_path, fake.port), livevue_id(store), True)
    assert result.backend == "llm:test-model"
    assert result.warnings == (
        "unsupported by the source: version 'v2.0'",
        "unsupported by the source: name 'Chris McCord'",
        "unsupported by the source: number '12'",
    )


def test_a_long_source_is_split_and_nothing_is_cut(
    store: Store, fake: FakeOpenAI, tmp_path: Path
) -> None:
    paragraphs = [
        f"Paragraph {n} says the word marker{n} and explains one more detail of the port."
        + " It goes on about supervision trees and backpressure." * 12
        for n in range(40)
    ]
    long_text = "\n\n".join(paragraphs)
    store.save_items(
        [
            Item(
                source="blog",
                kind="feed",
                external_id="long",
                url="https://blog.example/long",
                title="Porting a message broker to Elixir",
                published_at=datetime(2026, 1, 7, tzinfo=UTC),
                text=long_text,
            )
        ]
    )
    long_id = next(
        s.id for s in store.items_between(*week_bounds(SAMPLE_WEEK)) if s.item.source == "blog"
    )
    chunks = chunk_text(long_text)
    assert len(chunks) > 1 and all(len(c.split()) <= CHUNK_WORDS for c in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(long_text.split())

    fake.answer = "The port leans on supervision trees and backpressure."
    result = summarize_item(store, settings_for(tmp_path, fake.port), long_id, True)
    assert result.text == fake.answer and not result.warnings
    notes, final = fake.requests[:-1], fake.requests[-1]
    assert len(notes) == len(chunks)
    sent = "".join(r["messages"][1]["content"] for r in notes)
    assert all(f"marker{n} " in sent for n in range(40))  # every part was read
    assert "notes taken from each of its parts" in final["messages"][1]["content"]


def test_chunking_splits_a_paragraph_without_breaks() -> None:
    endless = " ".join(f"w{n}" for n in range(2500))
    chunks = chunk_text(endless, max_words=1000)
    assert [len(c.split()) for c in chunks] == [1000, 1000, 500]


def test_prompts_render_plain_text(tmp_path: Path) -> None:
    settings = load_settings(None)
    prompt = render_prompt(
        prompt_env(settings),
        "prompts/summary.j2",
        title="José's <b>post</b>",
        kind="feed",
        source_name="blog",
        author="",
        publication="GigaElixir Gazette",
        max_words=70,
        source="It's 5 < 6 & fine.",
        notes=False,
    )
    assert "José's <b>post</b>" in prompt.user and "It's 5 < 6 & fine." in prompt.user
    assert "&#39;" not in prompt.user and "GigaElixir Gazette" in prompt.system


def test_prompts_come_from_the_one_environment_and_can_be_overridden(tmp_path: Path) -> None:
    overrides = tmp_path / "templates"
    (overrides / "prompts").mkdir(parents=True)
    (overrides / "prompts" / "summary.j2").write_text(
        "{% block system %}Be brief about {{ publication }}.{% endblock %}"
        "{% block user %}{{ title }}: {{ source }}{% endblock %}",
        "utf-8",
    )
    config = tmp_path / "gazette.toml"
    config.write_text(f'[paths]\ntemplates_dir = "{overrides}"\n', "utf-8")
    settings = load_settings(config)
    env = prompt_env(settings)
    assert env is template_env(settings)  # the email's and the site's environment
    prompt = render_prompt(
        env, "prompts/summary.j2", publication="A & B", title="It's <new>", source="x < y"
    )
    assert prompt == Prompt("Be brief about A & B.", "It's <new>: x < y")


def test_a_templates_dir_that_is_not_a_folder_is_an_llm_error(tmp_path: Path) -> None:
    config = tmp_path / "gazette.toml"
    config.write_text(f'[paths]\ntemplates_dir = "{tmp_path / "missing"}"\n', "utf-8")
    with pytest.raises(LlmError, match="is not a folder"):
        prompt_env(load_settings(config))


def test_a_source_too_long_to_read_whole_says_so(
    store: Store, fake: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gazette.llm

    monkeypatch.setattr(gazette.llm, "MAX_CHUNKS", 2)
    text = "\n\n".join(f"Part {n}. " + "Some detail about the port. " * 150 for n in range(4))
    store.save_items(
        [
            Item(
                source="blog",
                kind="feed",
                external_id="huge",
                url="https://blog.example/huge",
                title="A very long post",
                published_at=datetime(2026, 1, 7, tzinfo=UTC),
                text=text,
            )
        ]
    )
    huge = next(
        s.id for s in store.items_between(*week_bounds(SAMPLE_WEEK)) if s.item.source == "blog"
    )
    fake.answer = "The port has many details."
    result = summarize_item(store, settings_for(tmp_path, fake.port), huge, True)
    (warning,) = result.warnings
    assert warning == "source is 3,008 words: summarized its first 1,504 (2 parts of 4)"
    assert len(fake.requests) == 3  # two parts, then the summary
