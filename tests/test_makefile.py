"""`make run` serves where HOST says, and the links it sends (SITE_URL) point there too."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(
    ("args", "address"),
    [([], "127.0.0.1:8000"), (["HOST=127.0.0.1:8101"], "127.0.0.1:8101")],
)
def test_make_run_sets_site_url_from_host(args, address):
    dry_run = subprocess.run(
        ["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    [serve] = [line for line in dry_run.splitlines() if "runserver" in line]
    assert f"SITE_URL=http://{address} " in serve
    assert serve.endswith(f"runserver {address}")
