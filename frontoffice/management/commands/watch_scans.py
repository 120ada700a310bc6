"""Watch the front offices' scanner folders and import finished stacks as batches (the embedded default's
stand-in for the Celery beat task ``frontoffice.poll_scan_inboxes``)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from frontoffice.batches import inbox
from frontoffice.batches.services.run import batch_resume_stalled


class Command(BaseCommand):
    help = "Import scanned stacks from each front office's scanner folder (Ctrl+C to stop)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once", action="store_true", help="Look twice (--settle seconds apart), import, and exit."
        )
        parser.add_argument(
            "--interval", type=float, default=float(settings.SCAN_INBOX_POLL_SECONDS), help="Seconds between looks."
        )
        parser.add_argument("--settle", type=float, default=2.0, help="With --once: seconds between the two looks.")

    def handle(self, *args, once: bool, interval: float, settle: float, **options):
        for front_office, path in inbox.ensure_folders():
            self.stdout.write(f"{front_office.code}: {path}")
        if once:
            self._report(inbox.poll_all())
            time.sleep(settle)
            self._report(inbox.poll_all())
            return
        self.stdout.write(f"Watching every {interval:g} s. Ctrl+C to stop.")
        try:
            while True:
                self._report(inbox.poll_all())
                batch_resume_stalled()
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def _report(self, outcomes: list[inbox.Outcome]) -> None:
        for o in outcomes:
            line = f"{o.name}: {o.result}" + (f" (batch #{o.batch_id})" if o.batch_id else "")
            if o.reason:
                line += f" — {o.reason}"
            self.stdout.write(line)
