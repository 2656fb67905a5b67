"""The real beta.gouv.fr import, timed: first run on an empty portfolio, then a second run.

Run by bench/run.py on a database it has just recreated. Prints one JSON object on stdout: the two
durations in seconds, or a `skipped` reason when the `import_betagouv` command does not exist.
"""

import io
import json
import sys
import time
from contextlib import redirect_stdout

import django

COMMAND = "import_betagouv"


def main() -> None:
    django.setup()
    with redirect_stdout(sys.stderr):
        result = measure()
    print(json.dumps(result))


def measure() -> dict:
    from django.conf import settings
    from django.core.management import call_command, get_commands

    from startups.models import Startup

    if COMMAND not in get_commands():
        return {"skipped": f"the `{COMMAND}` command does not exist yet"}
    call_command("migrate", verbosity=0)
    path = str(settings.BETAGOUV_DATA_DIR)
    result, info = {}, {"data": path}
    for key in ("import_betagouv_s", "import_betagouv_again_s"):
        output = io.StringIO()
        start = time.perf_counter()
        call_command(COMMAND, path, stdout=output, stderr=output)
        result[key] = round(time.perf_counter() - start, 2)
        info[key.removesuffix("_s") + "_startups"] = Startup.objects.count()
    return result | {"info": info}


if __name__ == "__main__":
    main()
