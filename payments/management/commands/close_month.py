"""``manage.py close_month YYYY-MM``: issue every open statement of an ended month, as the month-end job does."""

from django.core.management.base import BaseCommand, CommandError

from cases.exceptions import DomainError
from payments import selectors
from payments.services.periods import parse_period
from payments.services.statements import statement_issue_month


class Command(BaseCommand):
    help = "Issue the statements of an ended month (YYYY-MM): frozen, control totals from their lines."

    def add_arguments(self, parser):
        parser.add_argument("month", help="the month to close, YYYY-MM")

    def handle(self, *args, month: str, **options):
        try:
            period = parse_period(month)
            issued = statement_issue_month(period=period)
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        summary = selectors.month_totals(period=period)
        self.stdout.write(
            self.style.SUCCESS(
                f"{period:%Y-%m}: issued {issued} statements; the month has {summary['statements']} statements, "
                f"{summary['count']} intakes, {summary['amount']} UAH."
            )
        )
