from django.core.management.base import BaseCommand

from cases.catalog import load_catalog


class Command(BaseCommand):
    help = "Create or update the catalog of document types and services (by code; cases are not touched)."

    def handle(self, *args, **options):
        types, services = load_catalog()
        self.stdout.write(self.style.SUCCESS(f"Catalog: {types} document types, {services} services."))
