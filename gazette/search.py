"""The archive's search index: Pagefind over the built site.

Pagefind (the PyPI package ``pagefind[bin]``, which ships the binary) reads the
issue pages (their ``data-pagefind-body`` articles) and writes a static index
split into small chunks plus its UI into ``pagefind/``; the site's search page
loads them only when a reader opens it.

The index follows the site's rules for files: pagefind writes into a scratch
folder, and only files whose bytes changed are copied into ``pagefind/``,
atomically, the entry file last, so a reader never meets a half-written index
and a rebuild with nothing new writes nothing. Pagefind runs only when the
site's manifest changed since the last successful index (any page built from
different inputs), which the stamp file ``pagefind/.gazette-stamp`` records.

The scratch folder is the hidden ``.pagefind-scratch`` inside the site folder,
not the system's temporary folder: a run killed mid-index (kill -9, a cron
timeout) leaves it where the next run looks, and the next run removes it, so
scratch copies cannot pile up in /tmp.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from gazette.config import Settings
from gazette.errors import RenderError
from gazette.models import PublishedIssue
from gazette.render.site import MANIFEST, SiteReport, build_site
from gazette.writer import Writer

INDEX_DIR = "pagefind"
ENTRY = f"{INDEX_DIR}/pagefind-entry.json"
STAMP = f"{INDEX_DIR}/.gazette-stamp"
SCRATCH = ".pagefind-scratch"  # under the site folder; no page links to it
DEFAULT_TIMEOUT = 300.0
_INSTALL_HINT = "install it with `pip install 'pagefind[bin]'` or set [site] search = false"


class SearchError(RenderError):
    """Pagefind is missing, failed or took too long."""


@dataclass(frozen=True)
class SearchReport:
    """What indexing did; paths are relative to the site folder, sorted."""

    ran: bool  # False when the index was already up to date
    written: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def pagefind_binary() -> Path:
    """The pagefind executable, found through the pagefind package's own lookup
    (its bundled binary, or PAGEFIND_BINARY_PATH, or one on PATH)."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        raise SearchError(f"search needs the pagefind package: {_INSTALL_HINT}") from None
    found = get_executable()
    if found is None or not found.is_file():
        where = f" (not found at {found})" if found is not None else ""
        raise SearchError(f"search needs the pagefind binary{where}: {_INSTALL_HINT}")
    return found


def update_search(
    site_dir: Path, *, force: bool = False, timeout: float = DEFAULT_TIMEOUT
) -> SearchReport:
    """Index ``site_dir`` unless the index already matches the built site."""
    site_dir = Path(site_dir)
    stamp = _stamp(site_dir)
    if not force and _read(site_dir / STAMP) == stamp and (site_dir / ENTRY).is_file():
        return SearchReport(ran=False)
    report = index_site(site_dir, timeout=timeout)
    # Last: an index that failed half-way has no fresh stamp and is redone next time.
    Writer(site_dir).write(STAMP, stamp)
    return report


def index_site(site_dir: Path, *, timeout: float = DEFAULT_TIMEOUT) -> SearchReport:
    """Run pagefind over ``site_dir`` and bring ``site_dir/pagefind/`` up to date."""
    binary = pagefind_binary()
    site_dir = Path(site_dir)
    scratch = site_dir / SCRATCH
    remove_scratch(site_dir)  # one a killed run left; the run lock keeps two runs apart
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        _run(binary, site_dir, scratch, timeout)
        produced = sorted(
            p.relative_to(scratch).as_posix() for p in scratch.rglob("*") if p.is_file()
        )
        if "pagefind-entry.json" not in produced:
            raise SearchError("pagefind finished without writing pagefind-entry.json")
        writer = Writer(site_dir)
        # The entry file names every other file, so it goes in after them.
        for rel in sorted(produced, key=lambda r: r == "pagefind-entry.json"):
            writer.write(f"{INDEX_DIR}/{rel}", (scratch / rel).read_bytes())
    finally:
        remove_scratch(site_dir)
    removed = writer.remove_stale(keep=(STAMP,), within=(f"{INDEX_DIR}/*",))
    return SearchReport(
        ran=True,
        written=tuple(sorted(writer.written)),
        unchanged=tuple(sorted(writer.unchanged)),
        removed=tuple(removed),
    )


def remove_scratch(site_dir: Path) -> None:
    """Remove pagefind's scratch folder, left behind when a run was killed."""
    shutil.rmtree(Path(site_dir) / SCRATCH, ignore_errors=True)


def _run(binary: Path, site_dir: Path, output: Path, timeout: float) -> None:
    command = [
        str(binary),
        "--site",
        str(site_dir),
        "--output-path",
        str(output),
        # Results link to .../index.html like every other link of the archive,
        # which also works where a host does not serve folders' index files.
        "--keep-index-url",
        "--silent",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise SearchError(f"pagefind did not finish within {timeout:g} s; stopped it") from None
    except OSError as exc:
        raise SearchError(f"cannot run pagefind ({binary}): {exc.strerror or exc}") from None
    if done.returncode != 0:
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        detail = lines[-1].strip() if lines else f"exit code {done.returncode}"
        raise SearchError(f"pagefind failed on {site_dir}: {detail}")


def _stamp(site_dir: Path) -> str:
    """What the index is built from: the site's manifest and pagefind itself."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(_read(site_dir / MANIFEST).encode("utf-8"))
    digest.update(_pagefind_version().encode("utf-8"))
    return digest.hexdigest() + "\n"


def _pagefind_version() -> str:
    for distribution in ("pagefind-bin-extended", "pagefind-bin"):
        try:
            return f"{distribution} {metadata.version(distribution)}"
        except metadata.PackageNotFoundError:
            continue
    return ""


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


@dataclass(frozen=True)
class ArchiveReport:
    """A site build and, when search is on, its index update."""

    site: SiteReport
    search: SearchReport | None  # None when [site] search is off

    @property
    def written(self) -> tuple[str, ...]:
        return self.site.written + (self.search.written if self.search else ())

    @property
    def unchanged(self) -> tuple[str, ...]:
        return self.site.unchanged + (self.search.unchanged if self.search else ())

    @property
    def removed(self) -> tuple[str, ...]:
        return self.site.removed + (self.search.removed if self.search else ())

    def summary(self, out_dir: Path) -> str:
        """One line for the CLI."""
        line = f"{out_dir}: {len(self.written)} files written, {len(self.unchanged)} unchanged"
        if self.removed:
            line += f", {len(self.removed)} removed"
        if self.search is None:
            return line + " (search off)"
        return line + ("; search index rebuilt" if self.search.ran else "; search index up to date")


def build_searchable_site(
    issues: Sequence[PublishedIssue], settings: Settings, out_dir: Path
) -> ArchiveReport:
    """``build_site`` with the configured subscribe form, then the search index
    when ``[site] search`` is on."""
    site = build_site(issues, settings, out_dir, subscribe_url=settings.publication.subscribe_url)
    remove_scratch(out_dir)  # also when search is off now, but was on for a killed run
    search = update_search(out_dir) if settings.site.search else None
    return ArchiveReport(site, search)
