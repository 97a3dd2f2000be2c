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

import contextlib
import hashlib
import json
import os
from pathlib import Path

import jinja2

from gazette.files import replace
from gazette.render.site.views import SiteView
from gazette.user_cache import cache_folder

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


# A file's size, modification time, inode and the digest its bytes had then.
FileStat = list[int | str]


class BuildStats:
    """What each file of the site looked like when a build last wrote or checked
    it, so the next build trusts a file whose stat is unchanged without reading
    it (as make, git and rsync do); any other file is read and hashed.

    Kept in the user's cache (``gazette.user_cache``), keyed by the site
    folder, not in the site: it differs from machine to machine, and the site's
    own files stay byte-identical from one build to the next. Without a cache
    folder, or with a damaged file, every file is simply read.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        folder = cache_folder("builds")
        name = hashlib.blake2b(str(out_dir.resolve()).encode("utf-8"), digest_size=16)
        self.path = folder / f"{name.hexdigest()}.json" if folder else None
        self.files: dict[str, FileStat] = {}
        if self.path is not None:
            with contextlib.suppress(OSError, ValueError, TypeError):
                loaded = json.loads(self.path.read_bytes())
                if isinstance(loaded, dict) and loaded.get("format") == _FORMAT:
                    self.files = dict(loaded.get("files", {}))

    def still_built(self, path: str, key: str, previous: Entries) -> bool:
        """True when the file at ``path`` was built from exactly these inputs and is intact."""
        entry = previous.get(path)
        if entry is None or entry[0] != key:
            return False
        try:
            found = os.stat(self.out_dir / path)
        except OSError:
            return False
        if self.files.get(path) == _stat_of(found, entry[1]):
            return True
        try:
            data = (self.out_dir / path).read_bytes()
        except OSError:
            return False
        return digest(data) == entry[1]

    def save(self, manifest: Entries) -> None:
        """Record every file of ``manifest`` as it is now: each was just written
        or found intact by this build."""
        if self.path is None:
            return
        files: dict[str, FileStat] = {}
        for path, (_, file_digest) in manifest.items():
            try:
                files[path] = _stat_of(os.stat(self.out_dir / path), file_digest)
            except OSError:
                continue
        if files != self.files:
            text = json.dumps({"format": _FORMAT, "files": files}, separators=(",", ":"))
            # A cache: when it cannot be written, the next build reads the files.
            with contextlib.suppress(OSError):
                replace(self.path, text, sync=False)


def _stat_of(found: os.stat_result, file_digest: str) -> FileStat:
    return [found.st_size, found.st_mtime_ns, found.st_ino, file_digest]
