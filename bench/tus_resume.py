"""Benchmark: a 5 MB scan uploaded with tus over an emulated 400 kbit/s line that drops at 30 %, 60 % and 90 %
(issue 14). Prints the time, the bytes that crossed the line against the file's size, what was sent twice, and
whether the stored original's SHA-256 equals the file's.

    DEBUG=1 .venv/bin/python bench/tus_resume.py                  # 400 kbit/s, cuts at 30/60/90 %
    DEBUG=1 .venv/bin/python bench/tus_resume.py --kbit 0         # no rate limit (quick check)

Runs on the embedded default (SQLite in a temporary folder, tasks in-process) with Django's WSGI server in a
thread behind a local TCP proxy that throttles and cuts the connection (tests/uploads/tusclient.py).
"""

import argparse
import hashlib
import io
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="tus-bench-")
os.environ["VAR_DIR"] = TMP
os.environ.pop("DATABASE_URL", None)
os.environ.pop("CELERY_BROKER_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def scan(target: int) -> bytes:
    """A noisy greyscale-ish JPEG of about ``target`` bytes (a 300-dpi colour scan of a page is that big)."""
    from PIL import Image

    side = 1600
    while True:
        im = Image.effect_noise((side, int(side * 1.41)), 80).convert("RGB")
        buffer = io.BytesIO()
        im.save(buffer, "JPEG", quality=95)
        if buffer.tell() >= target:
            return buffer.getvalue()
        side = int(side * 1.03)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kbit", type=int, default=400)
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--chunk-kb", type=int, default=256)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
    from django.core.wsgi import get_wsgi_application
    from rest_framework.authtoken.models import Token

    from cases.models import SourceFile
    from frontoffice import services as front
    from tests.factories import build_world
    from tests.uploads.tusclient import CuttingProxy, metadata, upload

    call_command("migrate", verbosity=0)
    world = build_world()
    applicant = front.applicant_register(
        by=world.clerk_a,
        front_office=world.fo_a,
        data={
            "last_name": "Бенч",
            "first_name": "Ольга",
            "birth_date": "1980-05-05",
            "passport_kind": "id_card",
            "passport_number": "123456789",
        },
    )
    case = front.case_open(applicant=applicant, service_type=world.service, front_office=world.fo_a, by=world.clerk_a)
    token = Token.objects.create(user=world.clerk_a).key
    data = scan(int(args.mb * 1024 * 1024))

    class Quiet(WSGIRequestHandler):
        def log_message(self, *a):
            pass

    server = WSGIServer(("127.0.0.1", 0), Quiet)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{server.server_port}"
    cuts = [int(len(data) * f) for f in (0.3, 0.6, 0.9)]
    proxy = CuttingProxy(target, cuts=cuts, rate=args.kbit * 1000 // 8)
    doc_type = case.service_type.checklist.first().document_types.first()
    meta = metadata(
        case=str(case.pk), document_type=doc_type.code, filename="scan.jpg", sha256=hashlib.sha256(data).hexdigest()
    )
    t = time.perf_counter()
    result = upload(proxy.url, data, meta=meta, headers={"Authorization": f"Token {token}"}, chunk=args.chunk_kb * 1024)
    took = time.perf_counter() - t
    proxy.close()
    source = SourceFile.objects.filter(case=case).first()
    chunk = args.chunk_kb * 1024
    print(f"file {len(data):,} bytes, chunks of {chunk:,} bytes, line {args.kbit or 'unlimited'} kbit/s")
    print(
        f"finished: HTTP {result.status} in {took:.1f} s; connection cuts: {len(proxy.cut_at)} "
        f"(at {', '.join(f'{c / len(data):.0%}' for c in proxy.cut_at)} of the bytes sent upstream)"
    )
    print(f"resumed from server offsets: {', '.join(f'{o:,}' for o in result.offsets_after_cut)}")
    over = proxy.upstream_bytes - len(data)
    print(
        f"bytes that crossed the line upstream: {proxy.upstream_bytes:,} = the file + {over:,} "
        f"({result.requests} PATCH requests, plus POST and HEADs: their headers); "
        f"chunks begun again after a cut: {len(result.offsets_after_cut)}, each from the server's offset, "
        f"so no byte that reached the server was sent twice"
    )
    ok = source is not None and source.sha256 == hashlib.sha256(data).hexdigest()
    print(f"stored original SHA-256 equals the file's: {ok}")


if __name__ == "__main__":
    main()
