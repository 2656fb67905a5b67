"""A local mirror of the public beta.gouv.fr API, rendered from a markdown folder: what the sync
reads, for a machine that cannot reach beta.gouv.fr (a demo, a test bed)."""

import json
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ...api_mirror import organisations_json, startups_json

PATHS = {
    "/api/v2.7/startups.json": startups_json,
    "/api/v2.6/organisations.json": organisations_json,
}


class Mirror(BaseHTTPRequestHandler):
    def __init__(self, *args, payloads: dict[str, bytes], **kwargs):
        self.payloads = payloads
        super().__init__(*args, **kwargs)

    def do_GET(self):
        body = self.payloads.get(self.path.split("?")[0])
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")


class Command(BaseCommand):
    help = (
        "Sert en local l’API publique de beta.gouv.fr (startups.json v2.7, organisations.json "
        "v2.6) rendue depuis un dossier de fichiers markdown, pour la synchronisation."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)
        parser.add_argument("--port", type=int, default=8765)

    def handle(self, *, directory, port, **options):
        if not (directory / "_startups").is_dir():
            raise CommandError(f"Pas de dossier _startups dans {directory}")
        payloads = {path: json.dumps(render(directory)).encode() for path, render in PATHS.items()}
        server = ThreadingHTTPServer(("127.0.0.1", port), partial(Mirror, payloads=payloads))
        self.stdout.write(
            f"API servie sur http://127.0.0.1:{server.server_port}/api/ : lancez Comité avec "
            f"BETAGOUV_API_URL=http://127.0.0.1:{server.server_port}/api/ "
            "OUTBOUND_ALLOWED_HOSTS=127.0.0.1"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
