"""Benchmark: a 600-page scanned stack with 60 cover sheets, read and routed as one batch.

    DEBUG=1 .venv/bin/python bench/batch.py [--pages 600 --covers 60] [--remote-storage] [--process-pages]

Runs in a fresh SQLite database and media folder under a temporary directory (nothing of var/ is touched). The
stack is what a document feeder writes: 200-dpi greyscale JPEG pages in one PDF, each applicant's papers behind
a printed cover sheet (scanned slightly crooked), a typed separator in front of every third document.

Prints pages/s for reading and routing, the process's peak resident memory while doing it (the kernel's VmHWM,
reset just before), and the peak size of the scratch folder sampled every 20 ms, against the input's size.
``--remote-storage`` makes the stored stack unreachable as a local path (as with S3), so it is copied to scratch
first. Page processing of the routed pages (the front office's workers) is left out unless ``--process-pages``.
"""

import argparse
import contextlib
import ctypes
import ctypes.util
import io
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def status_mb(key: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def folder_size(path: Path) -> int:
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.stat(os.path.join(folder, name)).st_size
    return total


class ScratchSampler(threading.Thread):
    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path, self.peak, self.stop = path, 0, threading.Event()

    def run(self):
        while not self.stop.is_set():
            self.peak = max(self.peak, folder_size(self.path))
            time.sleep(0.02)


def setup(tmp: Path) -> None:
    os.environ.update(
        {
            "DEBUG": "1",
            "VAR_DIR": str(tmp / "var"),
            "SCAN_SCRATCH_DIR": str(tmp / "scratch"),
            "SCAN_BATCH_MAX_PAGES": "5000",
            "SCAN_BATCH_MAX_BYTES": str(4 * 2**30),
            "LOG_LEVEL": "WARNING",
        }
    )
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL", "MEDIA_ROOT", "AWS_STORAGE_BUCKET_NAME"):
        os.environ.pop(name, None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def world(covers: int):
    import datetime

    from cases.catalog import load_catalog
    from cases.models import BackOffice, Community, FrontOffice, Membership, Region, ServiceType, User
    from frontoffice import services as front

    load_catalog()
    region = Region.objects.create(code="UA05000000000000000", name="Вінницька область")
    back = BackOffice.objects.create(code="bo", name="УСЗН", region=region)
    community = Community.objects.create(katottg="UA05020030000031743", name="Вінницька громада", back_office=back)
    office = FrontOffice.objects.create(code="cnap", name="ЦНАП", community=community)
    clerk = User.objects.create(username="clerk", first_name="Оксана", last_name="Мельник")
    Membership.objects.create(user=clerk, role="clerk", front_office=office)
    service = ServiceType.objects.get(code="low_income")
    cases = []
    for n in range(covers):
        applicant = front.applicant_register(
            by=clerk,
            front_office=office,
            data={
                "last_name": "Шевченко",
                "first_name": "Олена",
                "patronymic": "Іванівна",
                "birth_date": datetime.date(1980, 1, 1 + n % 28),
                "passport_kind": "id_card",
                "passport_number": f"{100000000 + n:09d}",
            },
        )
        cases.append(front.case_open(applicant=applicant, service_type=service, front_office=office, by=clerk))
    return office, clerk, cases


def scanned(pdf: bytes, rng: random.Random):
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    image = document[0].render(scale=200 / 72, grayscale=True).to_pil().convert("L")
    document.close()
    return image.rotate(rng.uniform(-1.5, 1.5), fillcolor=245, resample=3)


def paper(rng: random.Random, noise):
    from PIL import Image, ImageDraw

    image = Image.new("L", (1654, 2339), 246)
    draw = ImageDraw.Draw(image)
    for row in range(rng.randint(18, 30)):
        y = 200 + row * 70
        x = 150
        while x < 1450:
            w = rng.randint(40, 220)
            draw.rectangle((x, y, x + w, y + 14), fill=rng.randint(20, 90))
            x += w + rng.randint(15, 40)
    return Image.blend(image, noise, 0.08)


def build_stack(cases, pages: int, path: Path) -> None:
    """Write the stack page by page as JPEGs, then one PDF (img2pdf embeds them without re-encoding)."""
    import img2pdf
    from PIL import Image

    from cases.models import DocumentType
    from frontoffice.batches import sheets

    rng = random.Random(6)
    noise = Image.effect_noise((1654, 2339), 40).point(lambda v: 200 + v // 5)
    separators = {
        t.code: scanned(sheets.separator_sheets_pdf(document_types=[t], plain=False), rng)
        for t in DocumentType.objects.filter(code__in=["application", "passport", "income"])
    }
    per_case = pages // len(cases) - 1
    jpegs = []

    def add(image):
        out = io.BytesIO()
        image.save(out, "JPEG", quality=75, dpi=(200, 200))
        jpegs.append(out.getvalue())

    for case in cases:
        add(scanned(sheets.cover_sheet_pdf(case=case), rng))
        for n in range(per_case):
            if n % 4 == 0 and n and len(jpegs) < pages - 1:
                add(separators[rng.choice(list(separators))])
            else:
                add(paper(rng, noise))
    while len(jpegs) < pages:
        add(paper(rng, noise))
    path.write_bytes(img2pdf.convert(jpegs[:pages], layout_fun=img2pdf.get_fixed_dpi_layout_fun((200, 200))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=600)
    parser.add_argument("--covers", type=int, default=60)
    parser.add_argument("--remote-storage", action="store_true", help="copy the stack to scratch, as with S3")
    parser.add_argument("--process-pages", action="store_true", help="also derive every routed page inline")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    setup(tmp)
    from unittest import mock

    from django.core.files import File
    from django.db import connection

    from cases.models import Page
    from frontoffice.batches.services import create, files, run

    office, clerk, cases = world(args.covers)
    stack = tmp / "stack.pdf"
    started = time.perf_counter()
    build_stack(cases, args.pages, stack)
    input_bytes = stack.stat().st_size
    print(
        f"stack: {args.pages} pages, {args.covers} cover sheets, {input_bytes / 2**20:.1f} MB "
        f"(built in {time.perf_counter() - started:.0f} s)"
    )

    patches = []
    if not args.process_pages:
        patches.append(mock.patch("cases.tasks.process_page.delay"))
    if args.remote_storage:
        patches.append(mock.patch("frontoffice.batches.services.files.local_path", files.copy_to_scratch))
    for p in patches:
        p.start()

    # Accepted without running (no broker here would run it inline at once); then run, measured.
    with open(stack, "rb") as f, mock.patch("frontoffice.batches.services.create.enqueue"):
        batch = create.batch_create(front_office=office, files=[File(f, name="stack.pdf")], by=clerk)
    connection.close()

    ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim(0)
    Path("/proc/self/clear_refs").write_text("5")
    rss_before = status_mb("VmRSS")
    scratch = Path(os.environ["SCAN_SCRATCH_DIR"])
    sampler = ScratchSampler(scratch)
    sampler.start()
    started = time.perf_counter()
    batch = run.batch_process(batch_id=batch.pk)
    elapsed = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    peak_rss = status_mb("VmHWM")
    for p in patches:
        p.stop()

    routed = batch.pages.filter(status="routed").count()
    unrouted = batch.pages.filter(status="unrouted").count()
    dropped = batch.pages.filter(status="dropped").count()
    documents = len({d for d in batch.pages.exclude(document=None).values_list("document_id", flat=True)})
    print(
        f"batch: {batch.status}; routed {routed}, dropped sheets {dropped}, unrouted {unrouted}; "
        f"{documents} documents in {len(cases)} cases"
    )
    if args.process_pages:
        print(f"pages processed: {Page.objects.filter(status='ready').count()}")
    print(
        f"time: {elapsed:.1f} s = {args.pages / elapsed:.1f} pages/s"
        f"{' (page processing included)' if args.process_pages else ' (reading and routing)'}"
    )
    print(f"peak RSS: {peak_rss:.0f} MB (process before the batch: {rss_before:.0f} MB; target <= 400 MB)")
    print(
        f"peak scratch: {sampler.peak / 2**20:.1f} MB = {sampler.peak / input_bytes:.2f} x input "
        f"({'stack copied to scratch' if args.remote_storage else 'stack read from local storage'}; "
        f"target <= 2 x)"
    )
    print(f"scratch left behind: {folder_size(scratch)} bytes")


if __name__ == "__main__":
    main()
