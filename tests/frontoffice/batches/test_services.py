"""Accepting stacks (bad files refused whole), resuming after a killed worker, the clerk placing what is left,
and the stack's own files: scratch cleaned, originals kept only while pages wait."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from cases import clock
from cases.exceptions import FileRejected, NotPermitted, TransitionNotAllowed
from cases.models import Document, DocumentType
from frontoffice import services as front
from frontoffice.batches.services.assignment import batch_pages_assign, batch_pages_discard
from frontoffice.batches.services.create import batch_create, batch_retry
from frontoffice.batches.services.files import SCRATCH_PREFIX
from frontoffice.batches.services.run import batch_process, batch_resume_stalled
from frontoffice.models import ScanBatch, ScanBatchPage
from frontoffice.services import uploaded
from tests import corpus
from tests.conftest import stored_files
from tests.factories import committed, make_case
from tests.frontoffice.batches.stacks import content, cover, pdf_upload, route, run_batch, stack_pdf

# They read messages' words. Those that accept stacks ask for the database (``world``); the others run without.
pytestmark = pytest.mark.usefixtures("english")


class Killed(BaseException):
    """What a worker killed mid-task looks like from inside: nothing after this point runs."""


def accept(world, files, by=None) -> ScanBatch:
    """Accept a stack without running its task (the test runs it, or kills it, itself)."""
    return batch_create(front_office=world.fo_a, files=files, by=by or world.clerk_a)


def process(batch) -> ScanBatch | None:
    with committed():
        return batch_process(batch_id=batch.pk)


@pytest.mark.parametrize(
    ("content_bytes", "name", "message"),
    [
        (b"", "empty.pdf", "empty"),
        (corpus.zip_archive(), "stack.zip", "not a scanned stack"),
        (corpus.encrypted_pdf("a secret"), "locked.pdf", "password-protected"),
        (corpus.encrypted_pdf("test"), "test.pdf", "password-protected"),
        (b"<html><script>alert(1)</script></html>", "scan.jpg", "not a scanned stack"),
        (b"%PDF-1.7\n garbage", "broken.pdf", "damaged PDF"),
    ],
)
def test_bad_files_are_refused_whole_and_leave_nothing(world, media_root, content_bytes, name, message):
    good = pdf_upload([content()])
    with pytest.raises(FileRejected, match=message):
        accept(world, [good, uploaded(content_bytes, name)])
    assert not ScanBatch.objects.exists() and not ScanBatchPage.objects.exists()
    assert stored_files(media_root) == []


def test_the_page_limit_and_size_limit_of_a_batch(world, settings):
    settings.SCAN_BATCH_MAX_PAGES = 3
    with pytest.raises(FileRejected, match="at most 3"):
        accept(world, [pdf_upload([content() for _ in range(4)])])
    with pytest.raises(FileRejected, match="together"):
        accept(world, [pdf_upload([content(), content()]), pdf_upload([content(), content()])])
    settings.SCAN_BATCH_MAX_BYTES = 1000
    with pytest.raises(FileRejected, match="larger than"):
        accept(world, [pdf_upload([content()])])
    assert not ScanBatch.objects.exists()


def test_only_a_clerk_of_the_front_office_accepts_a_stack(world):
    with pytest.raises(NotPermitted):
        batch_create(front_office=world.fo_a, files=[pdf_upload([content()])], by=world.supervisor_a)
    with pytest.raises(NotPermitted):
        batch_create(front_office=world.fo_a, files=[pdf_upload([content()])], by=world.clerk_b)


def test_a_worker_killed_while_routing_leaves_a_batch_another_worker_finishes_once(world, monkeypatch):
    a, b, c = make_case(world), make_case(world), make_case(world)
    batch = accept(world, [pdf_upload([cover(a), content(), cover(b), content(), content(), cover(c), content()])])
    real_add = front.document_add
    calls = []

    def dies_on_the_second_document(**kwargs):
        calls.append(kwargs["case"].pk)
        if len(calls) == 2:
            raise Killed
        return real_add(**kwargs)

    monkeypatch.setattr(front, "document_add", dies_on_the_second_document)
    with pytest.raises(Killed):
        process(batch)
    batch.refresh_from_db()
    assert batch.status == "routing" and batch.worker  # still held by the dead worker
    assert a.documents.count() == 1 and not b.documents.exists()
    monkeypatch.setattr(front, "document_add", real_add)

    # While the dead worker's heartbeat is fresh nobody else takes the batch (it might still be alive).
    assert process(batch) is None
    # Once it is stale, the next worker (the broker's redelivery, or the resume task) finishes the job.
    with clock.travel_to(clock.now() + timedelta(minutes=10)):
        batch = process(batch)
    assert batch.status == "done"
    assert [d.pages.count() for d in Document.objects.filter(case__in=[a, b, c]).order_by("case_id")] == [1, 2, 1]
    assert [r[1] for r in route(batch)] == ["dropped", "routed", "dropped", "routed", "routed", "dropped", "routed"]


def test_a_worker_killed_while_reading_resumes_at_the_next_page(world, monkeypatch):
    case = make_case(world)
    batch = accept(world, [pdf_upload([cover(case), content(), content(), content()])])
    from frontoffice.batches import reading

    real_read = reading.read_codes
    reads = []

    def dies_on_page_three(image):
        reads.append(1)
        if len(reads) == 3:
            raise Killed
        return real_read(image)

    monkeypatch.setattr(reading, "read_codes", dies_on_page_three)
    with pytest.raises(Killed):
        process(batch)
    batch.refresh_from_db()
    assert batch.pages_read == 2
    monkeypatch.setattr(reading, "read_codes", real_read)
    ScanBatch.objects.filter(pk=batch.pk).update(heartbeat_at=clock.now() - timedelta(hours=1))
    batch = process(batch)
    assert batch.pages_read == 4 and batch.status == "done"
    assert case.documents.get().pages.count() == 3


def test_a_second_delivery_of_a_finished_batch_changes_nothing(world):
    case = make_case(world)
    batch = run_batch(world.fo_a, world.clerk_a, [pdf_upload([cover(case), content()])])
    assert process(batch) is None
    assert case.documents.count() == 1


def test_stalled_batches_are_enqueued_again(world):
    case = make_case(world)
    batch = accept(world, [pdf_upload([cover(case), content()])])
    ScanBatch.objects.filter(pk=batch.pk).update(created_at=clock.now() - timedelta(hours=1))
    with committed():
        assert batch_resume_stalled() == 1
    batch.refresh_from_db()
    assert batch.status == "done" and case.documents.count() == 1


def test_scratch_space_is_cleaned_and_the_stack_deleted_once_every_page_is_placed(world, settings, media_root):
    case = make_case(world)
    batch = run_batch(world.fo_a, world.clerk_a, [pdf_upload([cover(case), content(), content()])])
    assert os.listdir(settings.SCAN_SCRATCH_DIR) == []
    assert batch.originals_deleted_at is not None
    assert not any(name.startswith(f"scan-batches/{batch.pk}/1-") for name in stored_files(media_root))
    # Thumbnails stay: the batch still shows where each page went.
    assert batch.pages.exclude(thumbnail="").count() == 3


def test_a_killed_workers_old_scratch_folder_is_swept(world, settings):
    root = Path(settings.SCAN_SCRATCH_DIR)
    old = root / f"{SCRATCH_PREFIX}99-abc"
    old.mkdir(parents=True)
    (old / "piece.pdf").write_bytes(b"x")
    os.utime(old, (0, 0))
    case = make_case(world)
    run_batch(world.fo_a, world.clerk_a, [pdf_upload([cover(case), content()])])
    assert not old.exists()


def test_the_clerk_puts_unrouted_pages_into_a_case_and_discards_the_rest(world, media_root):
    case = make_case(world)
    batch = run_batch(world.fo_a, world.clerk_a, [pdf_upload([content("p1"), content("p2"), content("blank")])])
    assert batch.originals_deleted_at is None  # pages wait: the stack is kept

    passport = DocumentType.objects.get(code="passport")
    document = batch_pages_assign(batch=batch, numbers=[1, 2], case=case, document_type=passport, by=world.clerk_a)
    assert document.document_type == passport and document.pages.count() == 2
    with pytest.raises(TransitionNotAllowed):  # placed already: never twice
        batch_pages_assign(batch=batch, numbers=[2], case=case, document_type=None, by=world.clerk_a)

    assert batch_pages_discard(batch=batch, numbers=[3], by=world.clerk_a) == 1
    batch.refresh_from_db()
    page = batch.pages.get(number=3)
    assert page.status == "discarded" and page.resolved_by == world.clerk_a
    assert batch.pages.get(number=1).resolved_by == world.clerk_a
    assert batch.originals_deleted_at is not None
    assert not default_storage.exists(f"scan-batches/{batch.pk}/1-")


def test_placing_pages_follows_the_cases_rules(world):
    theirs = make_case(world, community="b")
    submitted = make_case(world, "submitted")
    batch = run_batch(world.fo_a, world.clerk_a, [pdf_upload([content()])])
    with pytest.raises(NotPermitted):
        batch_pages_assign(batch=batch, numbers=[1], case=theirs, document_type=None, by=world.clerk_a)
    with pytest.raises(TransitionNotAllowed):
        batch_pages_assign(batch=batch, numbers=[1], case=submitted, document_type=None, by=world.clerk_a)
    with pytest.raises(NotPermitted):
        batch_pages_discard(batch=batch, numbers=[1], by=world.clerk_b)
    assert batch.pages.get().status == "unrouted"


def test_a_document_the_case_refuses_stays_unrouted_with_the_cases_reason(world):
    """The same stack twice: the case recognises the file it already has; the second time nothing is added."""
    case = make_case(world)
    stack = stack_pdf([content(), content()])
    cover_pdf = stack_pdf([cover(case)])
    run_batch(world.fo_a, world.clerk_a, [uploaded(cover_pdf, "c.pdf"), uploaded(stack, "s.pdf")])
    again = run_batch(world.fo_a, world.clerk_a, [uploaded(cover_pdf, "c.pdf"), uploaded(stack, "s.pdf")])
    assert case.documents.count() == 1
    assert {(r[1], r[4]) for r in route(again) if r[1] != "dropped"} == {("unrouted", "refused")}
    assert "already in this case" in again.pages.get(number=2).detail


def test_a_stack_missing_from_storage_fails_the_batch_and_retry_reads_it_again(world):
    case = make_case(world)
    batch = accept(world, [pdf_upload([cover(case), content()])])
    stored = batch.files.get().file.name
    content_bytes = default_storage.open(stored).read()
    default_storage.delete(stored)
    batch = process(batch)
    assert batch.status == "failed" and batch.failure_reason
    default_storage.save(stored, uploaded(content_bytes, "x.pdf"))
    with committed():
        batch_retry(batch=batch, by=world.clerk_a)
    batch.refresh_from_db()
    assert batch.status == "done" and case.documents.count() == 1


def test_every_batch_setting_is_documented_in_env_example():
    import re

    from django.conf import settings as django_settings

    source = (Path(django_settings.BASE_DIR) / "config" / "settings.py").read_text()
    names = set(re.findall(r'env(?:_int)?\("(SCAN_[A-Z_]+)"', source))
    example = (Path(django_settings.BASE_DIR) / ".env.example").read_text()
    assert names and all(f"{name}=" in example for name in names)


def test_a_batch_out_of_time_continues_in_a_new_task_where_it_stopped(world, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from frontoffice.batches import reading

    case = make_case(world)
    batch = accept(world, [pdf_upload([cover(case), content(), content()])])
    real_read = reading.read_codes
    reads = []

    def slow(image, **kwargs):
        reads.append(1)
        if len(reads) == 2:
            raise SoftTimeLimitExceeded
        return real_read(image, **kwargs)

    monkeypatch.setattr(reading, "read_codes", slow)
    with committed():  # the continuation is enqueued on commit and runs (eagerly) from page 2
        assert batch_process(batch_id=batch.pk) is None
    batch.refresh_from_db()
    assert batch.status == "done" and batch.pages_read == 3
    assert case.documents.get().pages.count() == 2


def test_a_decompression_bomb_is_refused_before_anything_is_stored(world, settings):
    import io

    from PIL import Image

    settings.UPLOAD_MAX_PIXELS = 4_000_000
    out = io.BytesIO()
    Image.new("1", (3000, 3000), 1).save(out, "PNG")  # tiny file, 9 million pixels
    with pytest.raises(FileRejected, match="too large an image"):
        accept(world, [uploaded(out.getvalue(), "bomb.png")])
    assert not ScanBatch.objects.exists()


def test_a_cut_short_tiff_is_refused_clearly_and_a_corrupt_frame_loses_nothing(world):
    """A TIFF cut short (its frame list unreadable) is refused at upload with a clear message, never a crash. A
    TIFF whose frame data is garbled is accepted (frames are counted, not decoded, on upload) and every page ends
    up routed, dropped or waiting: nothing is lost."""
    from tests.frontoffice.batches.stacks import stack_tiff

    case = make_case(world)
    tiff = stack_tiff([cover(case), content(), content()])
    with pytest.raises(FileRejected, match="damaged"):
        accept(world, [uploaded(tiff[: len(tiff) - 40_000], "cut.tif")])

    import io

    from PIL import Image

    frames = Image.open(io.BytesIO(tiff))
    frames.seek(2)
    start = frames.tag_v2[273][0] + 200  # inside the last frame's pixel data (StripOffsets), not its header
    garbled = bytearray(tiff)
    garbled[start : start + 3000] = bytes(range(256)) * 11 + bytes(184)
    batch = run_batch(world.fo_a, world.clerk_a, [uploaded(bytes(garbled), "garbled.tif")])
    assert batch.status == "done" and batch.page_count == 3
    assert [(p.status, p.reason) for p in batch.pages.all()] == [
        ("dropped", ""),
        ("unrouted", "damaged"),
        ("unrouted", "damaged"),
    ]
    assert batch.pages.get(number=3).detail  # "could not be rendered; kept as it is"
    with pytest.raises(FileRejected, match="damaged"):
        batch_pages_assign(batch=batch, numbers=[2, 3], case=case, document_type=None, by=world.clerk_a)
    batch_pages_assign(batch=batch, numbers=[2], case=case, document_type=None, by=world.clerk_a)
    assert batch_pages_discard(batch=batch, numbers=[3], by=world.clerk_a) == 1
    assert case.documents.get().pages.count() == 1
