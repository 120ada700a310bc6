"""Watched folders: a front office's network scanner writes stacks into its inbox folder; we import each finished
file once as a batch.

    <inbox>/               the scanner writes here (default: SCAN_INBOX_ROOT/<front-office code>/)
    <inbox>/working/       a file being imported: claimed by an atomic rename, so two workers never take it both
    <inbox>/processed/     originals imported as batches
    <inbox>/failed/        originals that cannot be imported, each with <name>.reason.txt saying why

A file is taken only when two looks in a row (one poll apart) see the same size and modification time, and never
while its name says it is still being written (``*.tmp``, ``*.part``, ``~*``, ``.*``). The batch row carries the
file's SHA-256 under a unique constraint and is written in one transaction with the stored copy, so a worker
killed at any point imports nothing twice, and loses nothing: a file left in ``working/`` is picked up again
once its claim is stale, and is moved to ``processed/`` if its batch exists, or imported if not.
"""

import contextlib
import hashlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import clock
from cases.exceptions import DomainError
from cases.models import FrontOffice
from frontoffice.batches.services.create import batch_create
from frontoffice.batches.services.roles import scanner_user
from frontoffice.models import ScanBatch, ScanInbox

logger = logging.getLogger(__name__)

WORKING, PROCESSED, FAILED = "working", "processed", "failed"
TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".swp")


@dataclass(frozen=True)
class Outcome:
    """What became of one file: ``imported`` (a new batch), ``already`` (its batch existed), ``failed``."""

    name: str
    result: str
    batch_id: int | None = None
    reason: str = ""


def inbox_path(front_office: FrontOffice) -> Path:
    """``FrontOffice.scan_inbox`` (absolute, or relative to the root), else ``SCAN_INBOX_ROOT/<code>``."""
    root = Path(settings.SCAN_INBOX_ROOT)
    custom = (front_office.scan_inbox or "").strip()
    if custom:
        path = Path(custom).expanduser()
        return path if path.is_absolute() else root / path
    return root / front_office.code


def is_temporary(name: str) -> bool:
    lower = name.lower()
    return name.startswith((".", "~")) or lower.endswith(TEMPORARY_SUFFIXES)


def look(path: Path) -> dict[str, list[int]]:
    """Files the scanner has put in ``path``: {name: [size, mtime_ns]} (folders and temporary names left out)."""
    found: dict[str, list[int]] = {}
    with contextlib.suppress(FileNotFoundError), os.scandir(path) as entries:
        for entry in entries:
            if is_temporary(entry.name) or not entry.is_file(follow_symlinks=False):
                continue
            with contextlib.suppress(FileNotFoundError):
                st = entry.stat(follow_symlinks=False)
                found[entry.name] = [st.st_size, st.st_mtime_ns]
    return found


def poll_all() -> list[Outcome]:
    """One look at every front office's inbox folder that exists."""
    outcomes: list[Outcome] = []
    for front_office in FrontOffice.objects.select_related("community").order_by("pk"):
        path = inbox_path(front_office)
        if path.is_dir():
            try:
                outcomes += poll(front_office=front_office, path=path)
            except OSError:
                logger.exception("scan inbox front_office=%s cannot be read", front_office.pk)
    return outcomes


def poll(*, front_office: FrontOffice, path: Path | None = None) -> list[Outcome]:
    """Pick up claims a killed worker left behind, then import the files that were stable since the last look."""
    path = path or inbox_path(front_office)
    outcomes = recover(front_office=front_office, path=path)
    state, _ = ScanInbox.objects.get_or_create(front_office=front_office, defaults={"path": str(path)})
    current = look(path)
    previous = state.last_look or {}
    stable = sorted(name for name, seen in current.items() if previous.get(name) == seen)
    ScanInbox.objects.filter(pk=state.pk).update(
        path=str(path), last_look={k: v for k, v in current.items() if k not in stable}, looked_at=clock.now()
    )
    for name in stable:
        claimed = claim(path, name)
        if claimed is not None:
            outcomes.append(import_claimed(front_office=front_office, path=path, claimed=claimed, recovering=False))
    return outcomes


def claim(path: Path, name: str) -> Path | None:
    """Move ``name`` into ``working/`` under a unique name (one atomic rename); None when another worker was
    first. The claim's modification time is its start, for telling a live import from an abandoned one."""
    working = path / WORKING
    working.mkdir(exist_ok=True)
    claimed = working / f"{time.time_ns()}-{os.getpid()}-{name}"
    try:
        os.rename(path / name, claimed)
    except FileNotFoundError:
        return None
    os.utime(claimed)
    return claimed


def original_name(claimed: Path) -> str:
    parts = claimed.name.split("-", 2)
    return parts[2] if len(parts) == 3 else claimed.name


def recover(*, front_office: FrontOffice, path: Path) -> list[Outcome]:
    """Finish claims whose worker died: older than ``SCAN_INBOX_STALE_SECONDS``, taken over by a fresh claim."""
    working = path / WORKING
    if not working.is_dir():
        return []
    cutoff = time.time() - settings.SCAN_INBOX_STALE_SECONDS
    outcomes = []
    for entry in sorted(working.iterdir()):
        with contextlib.suppress(FileNotFoundError):
            if not entry.is_file() or entry.stat().st_mtime > cutoff:
                continue
            reclaimed = working / f"{time.time_ns()}-{os.getpid()}-{original_name(entry)}"
            os.rename(entry, reclaimed)  # atomic: of two recovering workers, one gets it
            os.utime(reclaimed)
            logger.warning("scan inbox front_office=%s: resuming an interrupted import", front_office.pk)
            outcomes.append(import_claimed(front_office=front_office, path=path, claimed=reclaimed, recovering=True))
    return outcomes


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def import_claimed(*, front_office: FrontOffice, path: Path, claimed: Path, recovering: bool) -> Outcome:
    """Import one claimed file as a batch, then move it out of ``working/``."""
    name = original_name(claimed)
    sha256 = _sha256(claimed)
    existing = ScanBatch.objects.filter(front_office=front_office, source=ScanBatch.Source.FOLDER, sha256=sha256)
    batch = existing.first()
    if batch is None:
        try:
            with open(claimed, "rb") as f:
                upload = File(f, name=name)
                batch = batch_create(
                    front_office=front_office,
                    files=[upload],
                    by=scanner_user(front_office=front_office),
                    source=ScanBatch.Source.FOLDER,
                    name=name,
                )
        except IntegrityError:
            batch = existing.first()  # a concurrent import of the same file committed first
            if batch is None:
                raise
        except DomainError as e:
            reason = str(e.message)
            _move(claimed, path / FAILED, name, reason=reason)
            logger.info("scan inbox front_office=%s: file refused (%s)", front_office.pk, e.code)
            return Outcome(name=name, result="failed", reason=reason)
        else:
            _move(claimed, path / PROCESSED, name)
            return Outcome(name=name, result="imported", batch_id=batch.pk)
    if recovering:
        # Imported before the worker died, not yet moved: finish the move; never import it again.
        _move(claimed, path / PROCESSED, name)
        return Outcome(name=name, result="already", batch_id=batch.pk)
    reason = _("The same file was imported before as batch #%(id)s (%(when)s).") % {
        "id": batch.pk,
        "when": timezone.localtime(batch.created_at).strftime("%d.%m.%Y %H:%M"),
    }
    _move(claimed, path / FAILED, name, reason=reason)
    return Outcome(name=name, result="failed", batch_id=batch.pk, reason=reason)


def _move(claimed: Path, folder: Path, name: str, *, reason: str = "") -> Path:
    """Move into ``folder`` under the original name (``name-2.pdf`` if taken); write the reason beside it."""
    folder.mkdir(exist_ok=True)
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    target, n = folder / name, 1
    while target.exists():
        n += 1
        target = folder / (f"{stem}-{n}.{ext}" if dot else f"{name}-{n}")
    try:
        os.rename(claimed, target)
    except FileNotFoundError:
        return target  # another worker finished this claim first
    if reason:
        stamp = timezone.localtime(clock.now()).strftime("%Y-%m-%d %H:%M:%S %Z")
        (folder / f"{target.name}.reason.txt").write_text(f"{stamp}\n{reason}\n", encoding="utf-8")
    return target


def ensure_folders() -> list[tuple[FrontOffice, Path]]:
    """Create every front office's inbox folder (for ``watch_scans``); returns them."""
    made = []
    for front_office in FrontOffice.objects.order_by("code"):
        path = inbox_path(front_office)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError:
            logger.warning("scan inbox front_office=%s: cannot create %s", front_office.pk, path)
            continue
        made.append((front_office, path))
    return made
