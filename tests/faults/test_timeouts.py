"""``AIMETENV_TIMEOUT`` bounds every kind of request each command makes.

One host per kind of wait, all on 127.0.0.1: a port whose handshake never completes (what the
preflight's connect meets behind a dropping firewall), and a host that takes the connection and
never answers (what pip's index reads and ``releases --refresh``'s API reads meet). The release
host's own reads are the rows ``host-never-answers`` (HEAD) and ``host-drips`` (GET).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aimetenv.paths import overlay_path
from faults.cases import case
from faults.helpers import check, run, silent_host, unaccepting_host
from support.standins import GatedIndex, hermetic_env, modern_args


def test_a_host_that_never_accepts_stops_the_preflight(index: GatedIndex, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    with unaccepting_host() as stuck:
        args = modern_args(index.url, "--venv", str(prefix))
        args[args.index("--torch-index") + 1] = stuck + "/simple/"
        line = check(run(*args, env=hermetic_env(AIMETENV_TIMEOUT="1")), case("host-never-accepts"))
    assert stuck.removeprefix("http://") in line
    assert not prefix.exists()
    assert index.requests == []


@pytest.mark.parametrize(
    ("installer", "row_id", "logged"),
    [
        ("pip", "pip-index-never-answers", "--timeout 1 "),
        ("uv", "uv-index-never-answers", "# UV_HTTP_TIMEOUT=1 (from AIMETENV_TIMEOUT)"),
    ],
)
def test_an_index_that_never_answers(
    index: GatedIndex, tmp_path: Path, installer: str, row_id: str, logged: str
) -> None:
    """pip gets --timeout, uv (which has no option for it) UV_HTTP_TIMEOUT."""
    prefix = tmp_path / "env"
    with silent_host() as silent:
        args = modern_args(index.url, "--venv", str(prefix), "--installer", installer)
        args[args.index("--torch-index") + 1] = silent + "/simple/"
        ran = run(*args, env=hermetic_env(AIMETENV_TIMEOUT="1"))
    line = check(ran, case(row_id))
    assert silent.removeprefix("http://") in line
    assert not prefix.exists()
    log = next(x for x in ran.stderr.splitlines() if x.startswith("  log: ")).removeprefix(
        "  log: "
    )
    assert logged in Path(log).read_text()


def test_refresh_apis_that_never_answer(tmp_path: Path) -> None:
    with silent_host() as silent:
        args = ("releases", "--refresh", "--allow-http", "--github-api", silent + "/repos",
                "--pypi-url", silent + "/pypi")  # fmt: skip
        ran = run(*args, env=hermetic_env(AIMETENV_TIMEOUT="1"))
    check(ran, case("refresh-never-answers"))
    assert not overlay_path().exists()
