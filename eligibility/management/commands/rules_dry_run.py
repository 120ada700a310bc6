import json

from django.core.management.base import BaseCommand, CommandError

from eligibility import rules, services


class Command(BaseCommand):
    help = "Replay a service's rules (a proposed version and/or parameter rows) over its decided cases; record the run."

    def add_arguments(self, parser):
        # ``--version`` is the rule version to replay here, not Django's own version flag.
        parser.conflict_handler = parser._optionals.conflict_handler = "resolve"
        parser.add_argument("service", choices=rules.SERVICES)
        parser.add_argument("--months", type=int, default=12)
        parser.add_argument(
            "--version",
            "--rules-version",
            dest="rules_version",
            default="",
            help="e.g. childbirth/2026.1 (default: the one in force)",
        )
        parser.add_argument(
            "--parameters",
            default="",
            help='JSON: {"amount": [{"value": "52000.00", "valid_from": "2027-01-01", "reference": "…"}]}',
        )

    def handle(self, *args, service, months, rules_version, parameters, **options):
        try:
            proposal = json.loads(parameters) if parameters else None
            run = services.dry_run_record(
                service=service, months=months, rules_version=rules_version, proposal=proposal
            )
        except (ValueError, rules.RuleError) as e:
            raise CommandError(str(e)) from e
        self.stdout.write(
            f"Dry run {run.pk}: {run.cases} decided cases of {service} over {months} months; "
            f"outcomes changed {run.outcome_changed}, amounts changed {run.amount_changed}, "
            f"facts missing {run.unknown}, errors {run.errors}."
        )
        for item in run.sample:
            self.stdout.write(
                f"  {item['case']}: {item['decision']} → {item['would']} "
                f"({item['amount_before']} → {item['amount_after']}) {item['reason']}"
            )
