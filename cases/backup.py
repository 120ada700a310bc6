"""Back up and restore the database and the stored files together, with a manifest that proves the result.

A backup folder holds ``database.dump`` (PostgreSQL, ``pg_dump -Fc``) or ``database.sqlite3`` (SQLite backup
API), ``files/`` (every stored file the database refers to, copied through the storage API, so S3 works the same
as a local disk) and ``manifest.json`` (each file's SHA-256 and the row counts). ``restore`` puts both back and
checks every file against the manifest. See docs/operations.md.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import connection

from cases import clock
from cases.models import Applicant, Case, CaseEvent, Page, SourceFile

CHUNK = 1024 * 1024
COUNTED = {"cases": Case, "events": CaseEvent, "applicants": Applicant, "source_files": SourceFile, "pages": Page}


class BackupError(Exception):
    pass


@dataclass
class Manifest:
    engine: str
    created_at: str
    counts: dict[str, int]
    files: dict[str, str]  # storage name -> sha256

    def write(self, folder: Path) -> None:
        (folder / "manifest.json").write_text(json.dumps(self.__dict__, indent=1, sort_keys=True))

    @classmethod
    def read(cls, folder: Path) -> "Manifest":
        return cls(**json.loads((folder / "manifest.json").read_text()))


def referenced_files() -> list[str]:
    """Every storage name the database refers to: originals, page images, thumbnails, package PDFs."""
    names = set(SourceFile.objects.values_list("file", flat=True))
    for image, thumbnail in Page.objects.values_list("image", "thumbnail"):
        names.update((image, thumbnail))
    names.update(Case.objects.values_list("package_pdf", flat=True))
    names.discard("")
    names.discard(None)
    return sorted(names)


def counts() -> dict[str, int]:
    return {label: model.objects.count() for label, model in COUNTED.items()}


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: postgresql-client)")
    return path


def _pg_env() -> tuple[list[str], dict]:
    s = connection.settings_dict
    args = ["-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432), "-U", s["USER"] or "postgres"]
    env = {**os.environ, "PGPASSWORD": s["PASSWORD"] or ""}
    return args, env


def _copy_out(name: str, target: Path) -> str:
    digest = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    with default_storage.open(name, "rb") as source, open(target, "wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def backup(folder: Path) -> Manifest:
    folder.mkdir(parents=True, exist_ok=False)
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            [
                _program("pg_dump"),
                "-Fc",
                "--no-owner",
                *args,
                "-f",
                str(folder / "database.dump"),
                connection.settings_dict["NAME"],
            ],
            check=True,
            env=env,
        )
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(folder / "database.sqlite3")
        with target:
            connection.connection.backup(target)
        target.close()
    else:
        raise BackupError(f"unsupported database {connection.vendor}")
    files = {}
    for name in referenced_files():
        try:
            files[name] = _copy_out(name, folder / "files" / name)
        except FileNotFoundError:
            raise BackupError(f"the database refers to a missing file: {name}") from None
    manifest = Manifest(engine=connection.vendor, created_at=clock.now().isoformat(), counts=counts(), files=files)
    manifest.write(folder)
    return manifest


def restore(folder: Path) -> Manifest:
    """Replace the database and put every file back; raises ``BackupError`` if anything does not match."""
    manifest = Manifest.read(folder)
    if manifest.engine != connection.vendor:
        raise BackupError(f"backup is of {manifest.engine}, this database is {connection.vendor}")
    if connection.vendor == "postgresql":
        args, env = _pg_env()
        connection.close()
        subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            [
                _program("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                "-d",
                connection.settings_dict["NAME"],
                str(folder / "database.dump"),
            ],
            check=True,
            env=env,
        )
    else:
        connection.ensure_connection()
        source = sqlite3.connect(folder / "database.sqlite3")
        with source:
            source.backup(connection.connection)
        source.close()
    for name in manifest.files:
        path = folder / "files" / name
        if default_storage.exists(name):
            default_storage.delete(name)
        with open(path, "rb") as f:
            saved = default_storage.save(name, f)
        if saved != name:
            raise BackupError(f"storage renamed {name} to {saved}")
    problems = verify(manifest)
    if problems:
        raise BackupError("; ".join(problems[:10]))
    return manifest


def verify(manifest: Manifest) -> list[str]:
    """What differs between the live database and storage and the manifest (empty when all is intact)."""
    problems = [
        f"{k}: {v} rows, manifest says {manifest.counts[k]}" for k, v in counts().items() if v != manifest.counts[k]
    ]
    for name, sha256 in manifest.files.items():
        digest = hashlib.sha256()
        try:
            with default_storage.open(name, "rb") as f:
                while chunk := f.read(CHUNK):
                    digest.update(chunk)
        except FileNotFoundError:
            problems.append(f"missing {name}")
            continue
        if digest.hexdigest() != sha256:
            problems.append(f"changed {name}")
    for name, sha256 in SourceFile.objects.values_list("file", "sha256"):
        if manifest.files.get(name) != sha256:
            problems.append(f"original {name} does not match its recorded SHA-256")
    return problems
