import time

import httpx
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from renewals.services import renewals_run


class Command(BaseCommand):
    help = (
        "Open the renewals of fixed-term grants ending within RENEWAL_WINDOW_DAYS (the daily beat job, by hand). "
        "Idempotent: a second run opens nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--window-days", type=int, default=None, help="Override RENEWAL_WINDOW_DAYS.")
        parser.add_argument(
            "--wait",
            type=int,
            default=0,
            metavar="SECONDS",
            help="First wait up to this long for the registries' gateway to answer (make run starts the server, "
            "which serves the stand-in, at the same time).",
        )

    def handle(self, *args, window_days=None, wait=0, **options):
        if wait:
            self.wait_for_gateway(wait)
        result = renewals_run(window_days=window_days)
        self.stdout.write(
            f"Renewals: {result.opened} opened, {result.submitted} sent to be checked, "
            f"{result.passed_to_people} passed to people, {result.terms_recorded} terms recorded."
        )

    def wait_for_gateway(self, seconds: int) -> None:
        """Without the gateway every renewal would find its facts unknown and go to people: better not to start."""
        url = settings.REGISTRY_GATEWAY_URL
        if not url:
            return
        deadline = time.monotonic() + seconds
        while True:
            try:
                httpx.get(url, timeout=1.0)
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise CommandError(
                        f"The registries' gateway did not answer within {seconds} s; nothing opened."
                    ) from None
                time.sleep(0.5)
