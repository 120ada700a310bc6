"""The batch's stored files on local disk for reading (a copy in a scratch folder when storage is remote), and the
scratch folders a killed worker left behind."""

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage

from frontoffice.batches import reading
from frontoffice.models import ScanBatch

SCRATCH_PREFIX = "hromada-batch-"


def scratch_root() -> str:
    root = settings.SCAN_SCRATCH_DIR or tempfile.gettempdir()
    os.makedirs(root, exist_ok=True)
    _sweep_scratch(root)
    return root


def _sweep_scratch(root: str) -> None:
    """Remove scratch folders a killed worker left behind (nobody works on one this old)."""
    cutoff = time.time() - settings.SCAN_SCRATCH_MAX_AGE_SECONDS
    with contextlib.suppress(OSError), os.scandir(root) as entries:
        for entry in entries:
            if entry.name.startswith(SCRATCH_PREFIX) and entry.is_dir() and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry.path, ignore_errors=True)


def local_path(name: str, scratch: Path, position: int) -> Path:
    """The stored file on local disk: itself when storage is local, else a copy in scratch (deleted after)."""
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        return copy_to_scratch(name, scratch, position)


def copy_to_scratch(name: str, scratch: Path, position: int) -> Path:
    path = scratch / f"stack-{position}"
    with default_storage.open(name, "rb") as source:
        reading.copy_to(source, path)
    return path


def open_files(batch: ScanBatch, scratch: Path) -> dict[int, reading.StackReader]:
    readers = {}
    for f in batch.files.all():
        if not f.file:
            raise FileNotFoundError(f"batch file {f.pk} was deleted")
        readers[f.pk] = reading.StackReader(local_path(f.file.name, scratch, f.position), f.content_type)
    return readers
