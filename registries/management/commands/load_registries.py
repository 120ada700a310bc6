from django.core.management.base import BaseCommand

from registries.catalog import load_registries


class Command(BaseCommand):
    help = "Create or update the registries catalogue (after load_catalog: it links document types)."

    def handle(self, *args, **options):
        self.stdout.write(f"{load_registries()} registries")
