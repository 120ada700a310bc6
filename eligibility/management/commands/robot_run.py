from django.conf import settings
from django.core.management.base import BaseCommand

from eligibility.services import robot_catch_up, robot_waiting


class Command(BaseCommand):
    help = (
        "Decide the waiting automatic cases the robot has not evaluated since their latest submission or registry "
        "answer (after a worker or broker outage), in batches, as the beat's catch-up does."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=settings.ROBOT_BATCH, help="cases per transaction")
        parser.add_argument("--limit", type=int, default=None, help="stop after this many cases")
        parser.add_argument(
            "--older-than",
            type=int,
            default=0,
            help="only cases whose latest submission or answer is at least this many seconds old (default 0: all)",
        )
        parser.add_argument("--dry-run", action="store_true", help="count the waiting cases, decide nothing")

    def handle(self, *args, batch, limit, older_than, dry_run, **options):
        if dry_run:
            self.stdout.write(f"{robot_waiting(older_than_seconds=older_than).count()} waiting cases")
            return
        done = robot_catch_up(batch=max(1, batch), limit=limit, older_than_seconds=older_than)
        self.stdout.write(f"{done} cases evaluated")
