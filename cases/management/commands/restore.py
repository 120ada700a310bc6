from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup folder made by `backup`: replaces the database, puts every file back, verifies both."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask before replacing the database")

    def handle(self, *args, folder: Path, yes: bool, **options):
        if not yes and input(f"Replace this database and its files with {folder}? [y/N] ").strip().lower() != "y":
            raise CommandError("Nothing restored.")
        try:
            manifest = restore(folder)
        except BackupError as e:
            raise CommandError(f"Restore failed: {e}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {manifest.counts['cases']} cases and {len(manifest.files)} files; every file matches."
            )
        )
