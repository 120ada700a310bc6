from django.core.management.base import BaseCommand

from renewals.services import renewals_run


class Command(BaseCommand):
    help = (
        "Open the renewals of fixed-term grants ending within RENEWAL_WINDOW_DAYS (the daily beat job, by hand). "
        "Idempotent: a second run opens nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--window-days", type=int, default=None, help="Override RENEWAL_WINDOW_DAYS.")

    def handle(self, *args, window_days=None, **options):
        result = renewals_run(window_days=window_days)
        self.stdout.write(
            f"Renewals: {result.opened} opened, {result.submitted} sent to be checked, "
            f"{result.passed_to_people} passed to people, {result.terms_recorded} terms recorded."
        )
