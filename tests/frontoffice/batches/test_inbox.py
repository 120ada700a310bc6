"""Watched scanner folders: only finished files, each imported once, nothing lost when a worker is killed."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from frontoffice.batches import inbox
from frontoffice.models import ScanBatch, ScanBatchPage
from tests import corpus
from tests.conftest import stored_files
from tests.factories import committed, make_case
from tests.frontoffice.batches.stacks import content, cover, stack_pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]  # they read messages' words

ROOT = Path(__file__).resolve().parents[3]


class Killed(BaseException):
    """A worker killed mid-import: nothing after this point runs."""


def folder(front_office) -> Path:
    path = inbox.inbox_path(front_office)
    path.mkdir(parents=True, exist_ok=True)
    return path


def poll(front_office) -> list[inbox.Outcome]:
    with committed():
        return inbox.poll(front_office=front_office)


def files_in(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.is_file()) if path.is_dir() else []


def test_a_finished_file_is_imported_on_the_second_look_and_moved_to_processed(world):
    case = make_case(world)
    path = folder(world.fo_a)
    (path / "scan0001.pdf").write_bytes(stack_pdf([cover(case), content(), content()]))

    assert poll(world.fo_a) == []  # first look: maybe still being written
    [outcome] = poll(world.fo_a)
    assert outcome.result == "imported"
    batch = ScanBatch.objects.get()
    assert (batch.source, batch.name, batch.status) == ("folder", "scan0001.pdf", "done")
    assert batch.created_by.username == f"scanner.{world.fo_a.code}"
    assert not batch.created_by.has_usable_password()
    assert case.documents.get().pages.count() == 2
    assert files_in(path) == [] and files_in(path / "processed") == ["scan0001.pdf"]
    assert files_in(path / "working") == []


def test_temporary_names_are_never_taken(world):
    path = folder(world.fo_a)
    for name in ("scan.pdf.tmp", "scan.PART", "~scan.pdf", ".scan.pdf", "scan.pdf.crdownload"):
        (path / name).write_bytes(stack_pdf([content()]))
    (path / "sub").mkdir()
    poll(world.fo_a)
    assert poll(world.fo_a) == [] and poll(world.fo_a) == []
    assert not ScanBatch.objects.exists()


def test_a_file_still_growing_waits_until_two_looks_agree(world):
    path = folder(world.fo_a)
    data = stack_pdf([content(), content()])
    target = path / "growing.pdf"
    target.write_bytes(data[: len(data) // 2])
    assert poll(world.fo_a) == []
    with open(target, "ab") as f:
        f.write(data[len(data) // 2 :])
    assert poll(world.fo_a) == []  # the size changed since the last look
    [outcome] = poll(world.fo_a)
    assert outcome.result == "imported" and ScanBatch.objects.get().page_count == 2


def test_a_bad_file_goes_to_failed_with_the_reason_beside_it(world):
    path = folder(world.fo_a)
    (path / "locked.pdf").write_bytes(corpus.bad("encrypted.pdf"))
    poll(world.fo_a)
    [outcome] = poll(world.fo_a)
    assert outcome.result == "failed"
    assert files_in(path / "failed") == ["locked.pdf", "locked.pdf.reason.txt"]
    assert "password-protected" in (path / "failed" / "locked.pdf.reason.txt").read_text()
    assert not ScanBatch.objects.exists()


def test_the_same_file_dropped_again_is_not_imported_twice(world):
    path = folder(world.fo_a)
    data = stack_pdf([content()])
    (path / "a.pdf").write_bytes(data)
    poll(world.fo_a)
    poll(world.fo_a)
    (path / "a.pdf").write_bytes(data)
    poll(world.fo_a)
    [outcome] = poll(world.fo_a)
    assert outcome.result == "failed" and "imported before" in outcome.reason
    assert ScanBatch.objects.count() == 1
    assert files_in(path / "processed") == ["a.pdf"]
    assert files_in(path / "failed") == ["a.pdf", "a.pdf.reason.txt"]


def test_the_front_office_may_name_its_own_folder(world, tmp_path):
    world.fo_a.scan_inbox = str(tmp_path / "scanner-share")
    world.fo_a.save()
    assert inbox.inbox_path(world.fo_a) == tmp_path / "scanner-share"
    world.fo_b.scan_inbox = "agronomichne"
    assert inbox.inbox_path(world.fo_b) == Path(settings.SCAN_INBOX_ROOT) / "agronomichne"


@pytest.mark.parametrize("where", ["before-the-batch-row", "inside-the-transaction", "after-commit-before-move"])
def test_an_import_interrupted_mid_way_is_finished_once(world, monkeypatch, settings, media_root, where):
    case = make_case(world)
    path = folder(world.fo_a)
    (path / "stack.pdf").write_bytes(stack_pdf([cover(case), content()]))
    poll(world.fo_a)

    if where == "before-the-batch-row":
        target, name = inbox, "batch_create"
    elif where == "inside-the-transaction":
        target, name = ScanBatchPage.objects, "bulk_create"
    else:
        target, name = inbox, "_move"

    def killed(*args, **kwargs):
        raise Killed

    with monkeypatch.context() as m:
        m.setattr(target, name, killed)
        with pytest.raises(Killed):
            poll(world.fo_a)
    # The file is neither lost nor in the inbox any more: it waits in working/ under its claim.
    assert files_in(path) == [] and len(files_in(path / "working")) == 1
    imported = 1 if where == "after-commit-before-move" else 0
    assert ScanBatch.objects.count() == imported

    assert poll(world.fo_a) == []  # the claim is fresh: its worker may still be alive
    settings.SCAN_INBOX_STALE_SECONDS = 0
    [outcome] = poll(world.fo_a)
    assert outcome.result == ("already" if imported else "imported")
    assert ScanBatch.objects.count() == 1
    assert case.documents.count() == 1 and case.documents.get().pages.count() == 1
    assert files_in(path / "processed") == ["stack.pdf"] and files_in(path / "working") == []
    # Stored once under its checksum, deleted once every page was routed: no orphan copy of the stack is left.
    assert [n for n in stored_files(media_root) if n.startswith("scan-batches/folder/")] == []


def test_watch_scans_once_creates_the_folders_and_imports(world, capsys):
    case = make_case(world)
    call_command("watch_scans", "--once", "--settle", "0")
    for fo in (world.fo_a, world.fo_a2, world.fo_b, world.fo_c):
        assert inbox.inbox_path(fo).is_dir()
    (inbox.inbox_path(world.fo_a) / "s.pdf").write_bytes(stack_pdf([cover(case), content()]))
    with committed():
        call_command("watch_scans", "--once", "--settle", "0")
    assert "s.pdf: imported" in capsys.readouterr().out
    assert case.documents.count() == 1


def test_the_beat_task_polls_every_inbox(world):
    from frontoffice.batches.tasks import poll_scan_inboxes

    case = make_case(world, community="b")
    path = folder(world.fo_b)
    (path / "b.pdf").write_bytes(stack_pdf([cover(case), content()]))
    with committed():
        poll_scan_inboxes.delay()
        poll_scan_inboxes.delay()
    assert ScanBatch.objects.get().front_office == world.fo_b
    assert case.documents.count() == 1


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    import django
    django.setup()
    from cases.models import FrontOffice
    from frontoffice.batches import inbox
    from frontoffice.models import ScanBatchPage

    def die(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    target, name = {
        "transaction": (ScanBatchPage.objects, "bulk_create"),
        "move": (inbox, "_move"),
    }[sys.argv[1]]
    front_office = FrontOffice.objects.get(pk=int(sys.argv[2]))
    inbox.poll(front_office=front_office)  # the first look
    setattr(target, name, die)
    inbox.poll(front_office=front_office)  # the second look claims and imports: killed
    """
)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", ["transaction", "move"])
def test_a_process_killed_by_sigkill_mid_import_loses_nothing_and_imports_once(world, media_root, where, tmp_path):
    """A real worker process, killed with SIGKILL (no cleanup runs) inside the import's transaction, or after
    it committed but before the file left working/. The next poll finishes the job exactly once."""
    case = make_case(world)
    path = folder(world.fo_a)
    (path / "stack.pdf").write_bytes(stack_pdf([cover(case), content()]))
    db = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MEDIA_ROOT": str(media_root),
        "SCAN_INBOX_ROOT": str(settings.SCAN_INBOX_ROOT),
        "SCAN_SCRATCH_DIR": str(tmp_path / "scratch"),
    }
    env.pop("CELERY_BROKER_URL", None)
    env.pop("REDIS_URL", None)
    run = subprocess.run(
        [sys.executable, "-c", KILLER, where, str(world.fo_a.pk)], cwd=ROOT, env=env, capture_output=True, timeout=120
    )
    assert run.returncode == -signal.SIGKILL, run.stderr.decode()[-2000:]
    assert files_in(path) == [] and len(files_in(path / "working")) == 1
    assert ScanBatch.objects.count() == (1 if where == "move" else 0)

    settings.SCAN_INBOX_STALE_SECONDS = 0
    [outcome] = inbox.poll(front_office=world.fo_a)
    assert outcome.result == ("already" if where == "move" else "imported")
    assert ScanBatch.objects.count() == 1
    assert case.documents.count() == 1
    assert files_in(path / "processed") == ["stack.pdf"]
    # The stack was stored once under its checksum (the killed attempt's copy replaced, not doubled), and deleted
    # once every page was in its case: no orphan is left behind.
    assert [n for n in stored_files(media_root) if n.startswith("scan-batches/folder/")] == []
