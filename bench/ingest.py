"""Page ingestion end to end: upload through the API, store, hash, then a real Celery worker normalises every page
and makes its thumbnail. Prints pages/s and the p95 time from upload to ready.

    DEBUG=1 .venv/bin/python bench/ingest.py [--cases 40] [--concurrency 2] [--uploaders 2]

The uploads go over HTTP to gunicorn (started here), as an integrator's would. Needs PostgreSQL and Redis
(defaults: postgres://postgres@127.0.0.1:5432/hromada_bench, redis://127.0.0.1:6379/12; override with DATABASE_URL
/ CELERY_BROKER_URL). The bench database is dropped and created afresh; the worker is
started by this script with the same environment and stopped at the end.

The mix per case (a typical package): a grey A4 scan and a colour A4 scan as JPEG (300 dpi), a grey A4 TIFF
(LZW), a phone photo (4032x3024 JPEG, EXIF orientation 6) and a 4-page scanned PDF (JPEG pages, as scanners
write them): 8 pages.
"""

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hromada_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
MEDIA = tempfile.mkdtemp(prefix="hromada-bench-media-")
os.environ["MEDIA_ROOT"] = MEDIA

A4 = (2480, 3508)


def recreate_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def document_page(seed: int, *, colour: bool = False, size=A4):
    """A page that compresses like a real scan: paper grain, lines of 'text', a stamp when in colour."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    width, height = size
    im = Image.effect_noise((width, height), 6).point(lambda v: 235 + v // 16)
    draw = ImageDraw.Draw(im)
    y = 260
    while y < height - 300:
        x = 220
        while x < width - 260:
            word = rng.randint(40, 220)
            draw.rectangle((x, y, min(x + word, width - 220), y + 34), fill=rng.randint(10, 60))
            x += word + rng.randint(18, 30)
        y += rng.choice((70, 70, 70, 140))
    im = im.filter(ImageFilter.GaussianBlur(1.2))
    if colour:
        im = im.convert("RGB")
        stamp = ImageDraw.Draw(im)
        cx, cy = width - 700, height - 700
        stamp.ellipse((cx, cy, cx + 420, cy + 420), outline=(40, 60, 180), width=18)
        stamp.rectangle((300, 120, 900, 200), fill=(200, 30, 30))
    return im


def make_files() -> dict[str, tuple[bytes, int]]:
    """name -> (content, pages)."""
    import img2pdf
    from PIL import Image

    def jpeg(im, **kw) -> bytes:
        buffer = io.BytesIO()
        im.save(buffer, "JPEG", quality=85, dpi=(300, 300), **kw)
        return buffer.getvalue()

    grey = document_page(1)
    colour = document_page(2, colour=True)
    tiff = io.BytesIO()
    document_page(3).save(tiff, "TIFF", compression="tiff_lzw", dpi=(300, 300))
    photo = document_page(4, colour=True, size=(3024, 4032)).rotate(90, expand=True)  # held sideways
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to view": the phone's way of saying it was held sideways
    pdf = img2pdf.convert(
        [jpeg(document_page(10 + i)) for i in range(4)], layout_fun=img2pdf.get_fixed_dpi_layout_fun((300, 300))
    )
    return {
        "scan-grey.jpg": (jpeg(grey), 1),
        "scan-colour.jpg": (jpeg(colour), 1),
        "scan.tif": (tiff.getvalue(), 1),
        "phone.jpg": (jpeg(photo, exif=exif), 1),
        "scanned.pdf": (pdf, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--uploaders", type=int, default=4, help="clients uploading at once")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args()

    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from cases.models import Page
    from config.celery import app as celery_app
    from tests.factories import applicant, build_world

    world = build_world()
    files = make_files()
    pages_per_case = sum(p for _, p in files.values())
    print(f"files per case: {', '.join(f'{n} {len(c) // 1024} KB' for n, (c, _) in files.items())}")

    worker = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            "-A",
            "config",
            "worker",
            f"--concurrency={args.concurrency}",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        for _ in range(60):
            if celery_app.control.ping(timeout=0.5):
                break
            time.sleep(0.5)
        else:
            raise SystemExit("the Celery worker did not start")
        worker_cpu = cpu_seconds(worker.pid)
        total, web_cpu = run(args, world, files, pages_per_case, applicant, Page)
        worker_cpu = cpu_seconds(worker.pid) - worker_cpu
        per_page = (web_cpu + worker_cpu) / total
        print(f", Celery worker {worker_cpu:.1f}")
        print(
            f"server CPU per page (web + worker): {per_page * 1000:.0f} ms -> at most {os.cpu_count() / per_page:.0f} "
            f"pages/s on {os.cpu_count()} idle cores; load average now {os.getloadavg()[0]:.1f}"
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = f"bench{random.getrandbits(64):x}"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for child in [
        pid,
        *map(int, subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()),
    ]:
        fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args, world, files, pages_per_case, applicant, Page) -> tuple[int, float]:
    import http.client
    import json

    from rest_framework.authtoken.models import Token

    from cases.models import Case
    from frontoffice import services

    token = Token.objects.create(user=world.clerk_a)
    cases = [
        services.case_open(
            applicant=applicant(world), service_type=world.service, front_office=world.fo_a, by=world.clerk_a
        )
        for _ in range(args.cases)
    ]
    bodies = {name: multipart(name, content) for name, (content, _pages) in files.items()}
    port = free_port()
    web = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            f"--bind=127.0.0.1:{port}",
            f"--workers={args.web_workers}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        started_at: dict[int, float] = {}
        upload_seconds: list[float] = []
        lock = threading.Lock()
        queue = [case.pk for case in cases]

        def uploader() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while True:
                with lock:
                    if not queue:
                        break
                    case_id = queue.pop()
                for body, content_type in bodies.values():
                    t0 = time.time()
                    conn.request(
                        "POST",
                        f"/api/v1/cases/{case_id}/documents/",
                        body=body,
                        headers={"Authorization": f"Token {token.key}", "Content-Type": content_type},
                    )
                    response = conn.getresponse()
                    payload = response.read()
                    assert response.status == 201, (response.status, payload[:300])
                    with lock:
                        upload_seconds.append(time.time() - t0)
                        for page in json.loads(payload)["pages"]:
                            started_at[page["id"]] = t0

        t_start, client_cpu = time.time(), time.process_time()
        threads = [threading.Thread(target=uploader) for _ in range(args.uploaders)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        uploaded = time.time()
        while Page.objects.filter(status__in=[Page.Status.PENDING, Page.Status.PROCESSING]).exists():
            if time.time() - t_start > 900:
                raise SystemExit("pages still pending after 15 minutes")
            time.sleep(0.1)
        web_cpu = cpu_seconds(web.pid)
        client_cpu = time.process_time() - client_cpu
    finally:
        web.terminate()
        web.wait(timeout=30)
    total = args.cases * pages_per_case
    rows = list(Page.objects.values_list("pk", "status", "processed_at"))
    failed = [pk for pk, status, _ in rows if status != Page.Status.READY]
    done = max(p.timestamp() for _, _, p in rows if p)
    latencies = sorted(p.timestamp() - started_at[pk] for pk, _, p in rows if p)
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    elapsed = done - t_start
    print(
        f"cases: {args.cases}, pages: {total} (failed: {len(failed)}), web workers: {args.web_workers}, "
        f"Celery worker processes: {args.concurrency}, clients uploading at once: {args.uploaders}"
    )
    print(
        f"uploads: {len(upload_seconds)} requests in {uploaded - t_start:.1f} s, "
        f"median {statistics.median(upload_seconds) * 1000:.0f} ms"
    )
    print(f"pages/s (first upload to last page ready): {total / elapsed:.1f}")
    print(f"upload -> ready: p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s")
    print(f"CPU seconds during the run: web {web_cpu:.1f}, bench client {client_cpu:.1f}", end="")
    assert Case.objects.count() == args.cases
    return total, web_cpu


if __name__ == "__main__":
    main()
