from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and every stored file it refers to into a new folder, with a SHA-256 manifest."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="a folder that does not exist yet")

    def handle(self, *args, folder: Path, **options):
        try:
            manifest = backup(folder)
        except (BackupError, FileExistsError) as e:
            raise CommandError(str(e)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {manifest.counts['cases']} cases and {len(manifest.files)} files to {folder}"
            )
        )
