"""The LLM writes the draft: against an OpenAI-compatible server on loopback that
answers with recorded completions (and fails the ways real servers fail)."""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from gazette.compose import NO_SUMMARY
from gazette.config import Settings, load_settings
from gazette.draft.create import create_draft
from gazette.draft.document import parse_draft
from gazette.store import Store
from tests.conftest import SAMPLE, SAMPLE_WEEK
from tests.fake_llm import ReplyingHandler, completion, serving

# Recorded completions, one per prompt, in the newsletter's voice.
PICK = (
    "HEADLINE: {title} Is Worth Your Monday\n"
    "SUMMARY: The thread lays out what changed and why it matters for anyone shipping"
    " Elixir this week. The notes are short and concrete, the discussion stays on topic,"
    " and nothing in it needs a migration plan. Read it once, skim the replies, and move"
    " on. Take: this is the kind of small, steady improvement that keeps a codebase"
    " healthy, so adopt it when you next touch the code."
)
HALLUCINATED = (
    "HEADLINE: {title} Ships v9.9.9\n"
    "SUMMARY: Version v9.9.9 makes everything 40% faster according to the maintainers,"
    " and the upgrade takes minutes. Take: upgrade now."
)
FEATURE = (
    "BODY:\nThe author put off a framework upgrade for a year because it was boring, not hard.\n\n"
    "An agent did the mechanical work while the author reviewed every diff.\n"
    "REMEMBER:\n- Sync usage rules before the first prompt\n- Keep the test suite green\n"
    "- Read every diff the agent writes\n- Delegate the toil, keep the judgement"
)
ISSUE = (
    "TITLE: Patch Day, Agent Day\n"
    "SUBTITLE: Releases and upgrade toil\n"
    "PREHEADER: A release, an agent that upgrades Phoenix, and a LiveView bridge."
)


@dataclass
class FakeModel:
    """``mode``: ok, hallucinate, slow, 429, garbage, stream."""

    mode: str = "ok"
    requests: list[dict[str, Any]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, body: dict[str, Any]) -> str:
        system = body["messages"][0]["content"]
        user = body["messages"][1]["content"]
        if "name this week's issue" in system:
            return ISSUE
        if "the issue's feature" in system:
            return FEATURE
        title = user.split("\n", 1)[0].removeprefix("Title: ")[:30]
        return (HALLUCINATED if self.mode == "hallucinate" else PICK).format(title=title)


def _handler(model: FakeModel) -> type[BaseHTTPRequestHandler]:
    class Handler(ReplyingHandler):
        def do_POST(self) -> None:
            body = self._json_body()
            with model.lock:
                model.requests.append(body)
                model.in_flight += 1
                model.most_in_flight = max(model.most_in_flight, model.in_flight)
            try:
                time.sleep(1.5 if model.mode == "slow" else 0.05)
                self._respond(body)
            finally:
                with model.lock:
                    model.in_flight -= 1

        def _respond(self, body: dict[str, Any]) -> None:
            if model.mode == "429":
                self._send(429, b'{"error": {"message": "rate limited"}}')
            elif model.mode == "garbage":
                self._send(200, b'{"choices": [{"message": ')
            elif model.mode == "stream":
                text = model.answer(body)
                chunks = [text[i : i + 40] for i in range(0, len(text), 40)]
                events = "".join(
                    "data: "
                    + json.dumps({"choices": [{"index": 0, "delta": {"content": c}}]})
                    + "\n\n"
                    for c in chunks
                )
                self._send(200, (events + "data: [DONE]\n\n").encode(), "text/event-stream")
            else:
                self._send(200, completion(body["model"], model.answer(body)))

    return Handler


@pytest.fixture
def model() -> Iterator[FakeModel]:
    state = FakeModel()
    with serving(_handler(state)) as state.port:
        yield state


@pytest.fixture
def store(own_store: Store) -> Store:
    """Each test writes to a copy of its own (an empty summary cache)."""
    return own_store


def settings_for(tmp_path: Path, port: int, timeout: float = 5.0, concurrency: int = 3) -> Settings:
    config = tmp_path / "gazette.toml"
    text = (SAMPLE / "gazette.toml").read_text("utf-8")
    text = text.replace('issues_dir = "out/issues"', f'issues_dir = "{tmp_path / "issues"}"')
    config.write_text(
        text + "\n[llm]\nenabled = true\n"
        f'endpoint = "http://127.0.0.1:{port}/v1/chat/completions"\n'
        f'model = "test-model"\ntimeout = {timeout}\nconcurrency = {concurrency}\n',
        "utf-8",
    )
    return load_settings(config)


def draft_text(store: Store, settings: Settings) -> str:
    outcome = create_draft(store, settings, SAMPLE_WEEK)
    return outcome.path.read_text("utf-8")


def test_the_model_writes_headlines_summaries_feature_and_title(
    model: FakeModel, store: Store, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, model.port)
    text = draft_text(store, settings)
    issue = parse_draft(text).issue
    assert issue.title == "Patch Day, Agent Day" and issue.subtitle == "Releases and upgrade toil"
    assert 'writer = "llm:test-model"' in text and "prompt_version = " in text
    assert 'preheader = "A release, an agent that upgrades Phoenix' in text
    assert issue.preheader.startswith("A release, an agent that upgrades Phoenix")
    assert all(p.headline.endswith("Is Worth Your Monday") for p in issue.picks)
    assert all(50 <= len(p.body.split()) <= 90 for p in issue.picks)
    assert issue.feature is not None and len(issue.feature.remember) == 4
    assert issue.feature.body.startswith("The author put off a framework upgrade")
    assert "unsupported" not in text
    # 6 picks and the feature at once (3 at a time), then the issue's name.
    assert len(model.requests) == 8
    assert 1 < model.most_in_flight <= 3
    # The same draft again comes from the cache: no request at all.
    (tmp_path / "issues" / f"{SAMPLE_WEEK}.md").unlink()
    assert draft_text(store, settings) == text
    assert len(model.requests) == 8


def test_unsupported_claims_are_left_beside_the_story(
    model: FakeModel, store: Store, tmp_path: Path
) -> None:
    model.mode = "hallucinate"
    text = draft_text(store, settings_for(tmp_path, model.port))
    issue = parse_draft(text).issue
    pick = issue.picks[0]
    assert pick.body.endswith('<!-- unsupported: "v9.9.9", "40" -->')


@pytest.mark.parametrize("mode", ["429", "garbage", "slow"])
def test_a_failing_model_leaves_the_offline_draft_with_one_warning(
    mode: str, model: FakeModel, store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model.mode = mode
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="gazette"):
        text = draft_text(store, settings_for(tmp_path, model.port, timeout=0.5, concurrency=2))
    # After the server failed, nothing more is asked: one round of requests at most.
    assert time.monotonic() - started < 5
    assert len(model.requests) <= 2
    warnings = [r for r in caplog.records if "LLM unavailable" in r.getMessage()]
    assert len(warnings) == 1
    assert "writer =" not in text
    issue = parse_draft(text).issue
    assert issue.title == "Elixir v1.19.5 released"
    assert any(p.body == NO_SUMMARY for p in issue.picks)


def test_an_absent_model_leaves_the_offline_draft(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="gazette"):
        text = draft_text(store, settings_for(tmp_path, 9, timeout=0.5))
    assert "writer =" not in text and parse_draft(text).issue.picks
    assert sum("LLM unavailable" in r.getMessage() for r in caplog.records) == 1


def test_a_streamed_answer_is_read(model: FakeModel, store: Store, tmp_path: Path) -> None:
    model.mode = "stream"
    issue = parse_draft(draft_text(store, settings_for(tmp_path, model.port))).issue
    assert issue.title == "Patch Day, Agent Day"
    assert all(p.headline.endswith("Is Worth Your Monday") for p in issue.picks)


def test_the_prompts_can_be_overridden(model: FakeModel, store: Store, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, model.port)
    prompts = tmp_path / "templates" / "prompts"
    prompts.mkdir(parents=True)
    shutil.copy(Path(__file__).parent.parent / "templates" / "prompts" / "pick.j2", prompts)
    custom = prompts / "pick.j2"
    custom.write_text(
        custom.read_text("utf-8").replace("You are the editor", "HOUSE STYLE. You are the editor")
    )
    config = Path(settings.origin)
    config.write_text(
        config.read_text("utf-8").replace(
            "[paths]", f'[paths]\ntemplates_dir = "{tmp_path / "templates"}"'
        ),
        "utf-8",
    )
    draft_text(store, load_settings(config))
    assert any("HOUSE STYLE" in r["messages"][0]["content"] for r in model.requests)
