"""Back up a small data set, lose everything, restore it, and find every case and file intact."""

import hashlib
import shutil

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from cases.backup import Manifest, verify
from cases.models import Case, Page, SourceFile
from tests.factories import build_world, make_case

S = Case.Status


def snapshot():
    return {
        "cases": sorted(Case.objects.values_list("number", "status")),
        "files": sorted(SourceFile.objects.values_list("file", "sha256")),
        "pages": Page.objects.filter(status=Page.Status.READY).count(),
    }


def sha256(name):
    with default_storage.open(name, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def round_trip(tmp_path, media_root, lose_database):
    world = build_world()
    for status in (S.SUBMITTED, S.DECIDED, S.NEEDS_INFO):
        make_case(world, status)
    before = snapshot()
    assert before["files"] and before["pages"]
    call_command("backup", str(tmp_path / "backup"))
    manifest = Manifest.read(tmp_path / "backup")
    assert verify(manifest) == []

    lose_database()
    shutil.rmtree(media_root)
    assert not Case.objects.exists()

    call_command("restore", str(tmp_path / "backup"), "--yes")
    assert snapshot() == before
    for name, digest in SourceFile.objects.values_list("file", "sha256"):
        assert sha256(name) == digest
    for page in Page.objects.all():
        assert default_storage.exists(page.image.name) and default_storage.exists(page.thumbnail.name)


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip(tmp_path, media_root):
    round_trip(tmp_path, media_root, lambda: call_command("flush", "--no-input"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_on_postgresql_with_pg_dump(tmp_path, media_root):
    assert shutil.which("pg_dump"), "pg_dump (postgresql-client) is needed for PostgreSQL backups"
    round_trip(tmp_path, media_root, lambda: call_command("flush", "--no-input"))
    assert (tmp_path / "backup" / "database.dump").exists()


@pytest.mark.django_db(transaction=True)
def test_verify_reports_a_damaged_file(tmp_path):
    world = build_world()
    make_case(world, S.SUBMITTED)
    call_command("backup", str(tmp_path / "backup"))
    manifest = Manifest.read(tmp_path / "backup")
    name = SourceFile.objects.first().file.name
    default_storage.delete(name)
    default_storage.save(name, __import__("io").BytesIO(b"tampered"))
    assert any(name in problem for problem in verify(manifest))
