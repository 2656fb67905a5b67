from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from startups.betagouv import ImportRejected, import_betagouv
from startups.enums import COUNT_WORDS, RECORD_KINDS

COLUMNS = ("created", "updated", "unchanged", "rejected")


def summary(counts) -> list[str]:
    """The counts per kind of record, as a table of text."""
    lines = [f"{'':14}" + "".join(f"{COUNT_WORDS[c]:>11}" for c in COLUMNS)]
    for kind, label in RECORD_KINDS.items():
        lines.append(
            f"{label:14}" + "".join(f"{counts.get(kind, {}).get(c, 0):>11}" for c in COLUMNS)
        )
    return lines


class Command(BaseCommand):
    help = "Importe un dossier de contenu beta.gouv.fr (_organisations, _incubators, _startups)."

    def add_arguments(self, parser):
        parser.add_argument(
            "directory", type=Path, help="le dossier content/ du dépôt beta.gouv.fr"
        )

    def handle(self, directory, **options):
        try:
            report = import_betagouv(directory)
        except FileNotFoundError as error:
            raise CommandError(str(error)) from error
        except ImportRejected as rejected:
            self.print_summary(rejected.report)
            for path, reason in rejected.report.errors:
                self.stderr.write(f"{path} : {reason}")
            raise CommandError(
                f"{len(rejected.report.errors)} fichier(s) rejeté(s) : rien n’a été importé. "
                "Corrigez-les puis relancez l’import."
            ) from None
        self.print_summary(report)
        for path, reason in report.warnings:
            self.stdout.write(self.style.WARNING(f"{path} : {reason}"))
        if report.changed:
            self.stdout.write(self.style.SUCCESS("Import terminé."))
        else:
            self.stdout.write(self.style.SUCCESS("Aucun changement : la base était déjà à jour."))

    def print_summary(self, report):
        for line in summary(report.counts):
            self.stdout.write(line)
