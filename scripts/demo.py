"""`make demo`: the whole weekly job, offline, on the recorded week in data/sample/.

Starts the replay server on a free loopback port, points the sample config at
it through REPLAY_URL, and runs the same commands an editor would. Everything
lands in out/: running it again reuses the database and the draft (fetch finds
nothing new, publish finds nothing changed, the site build writes nothing).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gazette.replay import ReplayServer

ROOT = Path(__file__).resolve().parent.parent
WEEK = "2026-W02"  # the week the sample data was recorded in
PUBLISHED_ON = "2026-01-12"  # the Monday after it, when the issue would go out
OUT = Path("out")


def gazette(*args: str, env: dict[str, str], allowed: tuple[int, ...] = (0,)) -> None:
    command = [
        sys.executable,
        "-m",
        "gazette",
        "--config",
        "data/sample/gazette.toml",
        "--db",
        str(OUT / "demo.db"),
        *args,
    ]
    print(f"\n$ gazette {' '.join(args)}", flush=True)
    code = subprocess.run(command, env=env, cwd=ROOT).returncode
    if code not in allowed:
        sys.exit(f"demo failed: `gazette {' '.join(args)}` exited {code}")


def main() -> None:
    os.chdir(ROOT)
    with ReplayServer(ROOT / "data" / "sample") as server:
        print(f"Replaying data/sample/ on {server.url}")
        env = {**os.environ, "REPLAY_URL": server.url}
        gazette("fetch", "--since", "2026-01-01", env=env)
        gazette("candidates", "--week", WEEK, "--limit", "10", env=env)
        draft = OUT / "issues" / f"{WEEK}.md"
        if draft.exists():
            print(f"\n(keeping the existing draft {draft}; delete it to draft again)")
        else:
            gazette("draft", "--week", WEEK, env=env)
        gazette("check", "--week", WEEK, env=env, allowed=(0, 1))
        gazette("publish", "--week", WEEK, "--date", PUBLISHED_ON, env=env)
        gazette("render", "--week", WEEK, "--out", str(OUT), env=env)
        gazette("build-site", "--out", str(OUT / "site"), env=env)
    print(
        f"\nDone. Open these in a browser:\n  {OUT / 'email.html'}   (the email; plain text in {OUT / 'email.txt'})\n"
        f"  {OUT / 'site' / 'index.html'}   (the archive)\n  {draft}   (the draft an editor would edit)"
    )


if __name__ == "__main__":
    main()
