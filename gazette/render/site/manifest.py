"""The build manifest: what each file of the site was built from.

Every output has a key, a digest of everything it is made from (its issues,
the templates, the settings, the renderer's own source). The manifest
``.gazette-build.json`` records each file's key and the digest of its bytes; a
file whose key and bytes still match is not rendered at all, so a rebuild of
hundreds of unchanged issues costs reading the database and hashing. A file
edited or deleted by hand no longer matches and is rendered again. The manifest
holds no times, so two builds of the same issues stay byte-identical.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jinja2

from gazette.render.site.views import SiteView

MANIFEST = ".gazette-build.json"
# Bumped when the manifest's shape changes; an old manifest then matches nothing.
_FORMAT = 1
# The renderer's own code is an input of every page, so editing it rebuilds all.
_SITE_PACKAGE = Path(__file__).parent
RENDERER_SOURCES = (*sorted(_SITE_PACKAGE.glob("*.py")), _SITE_PACKAGE.parent / "web.py")

# A file's manifest entry: [its key, the digest of its bytes].
Entries = dict[str, list[str]]


def build_key(env: jinja2.Environment, site: SiteView, subscribe_url: str, entries: int) -> str:
    """The inputs every page shares: renderer code, templates (a user's
    overrides included, as the loader resolves them) and settings."""
    assert env.loader is not None
    parts: list[bytes] = [path.read_bytes() for path in RENDERER_SOURCES]
    for name in sorted(n for n in env.list_templates() if n.startswith("site/")):
        source, _, _ = env.loader.get_source(env, name)
        parts += [name.encode("utf-8"), source.encode("utf-8")]
    parts.append(repr((site, subscribe_url, entries, _FORMAT)).encode("utf-8"))
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_manifest(path: Path) -> Entries:
    """The previous build's manifest; anything unreadable counts as none."""
    try:
        raw = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict) or raw.get("format") != _FORMAT:
        return {}
    files = raw.get("files")
    if not isinstance(files, dict):
        return {}
    return {
        str(name): entry
        for name, entry in files.items()
        if isinstance(entry, list) and len(entry) == 2 and all(isinstance(e, str) for e in entry)
    }


def manifest_text(files: Entries) -> str:
    return json.dumps({"format": _FORMAT, "files": files}, indent=0, sort_keys=True) + "\n"


def still_built(out_dir: Path, path: str, key: str, previous: Entries) -> bool:
    """True when the file at ``path`` was built from exactly these inputs and is intact."""
    entry = previous.get(path)
    if entry is None or entry[0] != key:
        return False
    try:
        data = (out_dir / path).read_bytes()
    except OSError:
        return False
    return digest(data) == entry[1]
