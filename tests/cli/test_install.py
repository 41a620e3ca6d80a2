"""``aimetenv install`` as users run it: real venvs, real pip and uv, loopback hosts only.

The PyPI-shaped flow (2.42.0 torch-cpu) uses the stand-in wheels of ``support.standins`` behind a
loopback PEP 503 index; the release-host flow (1.16.2.py37) uses the legacy stand-in release with
its compiled libpymo behind the loopback release host.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess  # noqa: TID251  # the real command line, interrupted for real
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from support.envs import need_python
from support.legacy import TAG, VARIANT, LegacyRelease
from support.releasehost import ReleaseHost
from support.seeded import make_venv_with_pip
from support.standins import (
    MODERN_TAG,
    GatedIndex,
    ModernRelease,
    hermetic_env,
    modern_args,
    one_line,
    pip_list,
    run_aimetenv,
    start_aimetenv,
    tail,
    venv_python,
)

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def legacy_host(legacy_release: LegacyRelease, tmp_path: Path) -> Iterator[ReleaseHost]:
    with ReleaseHost(tmp_path / "host") as host:
        for wheel in legacy_release.wheels:
            host.publish_file(TAG, wheel)
        host.serve_index(legacy_release.folder)
        yield host


def legacy_args(host: ReleaseHost, *extra: str, system_check: bool = False) -> list[str]:
    """The legacy stand-ins' install; their libpymo needs no liblapacke, so the check is off."""
    return [
        "install",
        "--variant",
        VARIANT,
        "--tag",
        TAG,
        "--mirror",
        host.base,
        "--torch-find-links",
        host.url("links/"),
        *extra,
        *(() if system_check else ("--skip-system-check",)),
    ]


def receipt_of(prefix: Path) -> dict[str, object]:
    data = json.loads((prefix / "etc/aimetenv/receipt.json").read_text())
    assert isinstance(data, dict)
    return data


# refusals: exit 2, one line, before anything is fetched or created


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (("--python-version", "3.9"), "needs Python 3.10 or newer"),
        (("--glibc", "2.31"), "needs glibc 2.34 or newer"),
    ],
)
def test_refusals_happen_before_any_request(
    index: GatedIndex, tmp_path: Path, extra: tuple[str, ...], expected: str
) -> None:
    prefix = tmp_path / "env"
    args = ["install", "--variant", "onnx-cpu", "--tag", "2.42.0", "--venv", str(prefix)]
    args += ["--torch-index", index.url, "--index-url", index.url, *extra]
    result = run_aimetenv(*args)
    assert result.returncode == 2, result.stderr
    assert expected in one_line(result.stderr)
    assert "Traceback" not in result.stderr
    assert index.requests == []
    assert not prefix.exists()


def test_a_missing_liblapacke_is_refused_before_anything_changes(
    legacy_host: ReleaseHost, tmp_path: Path
) -> None:
    if _deb_installed("liblapacke"):
        pytest.skip("liblapacke is installed here: dpkg-query finds nothing missing")
    prefix = tmp_path / "env"
    dry = run_aimetenv(*legacy_args(legacy_host, "--venv", str(prefix), "--dry-run",
                                    system_check=True))  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    sudo = "" if os.geteuid() == 0 else "sudo "
    assert "system check: liblapacke is not installed (dpkg-query)" in dry.stdout
    assert f"{sudo}apt-get install -y liblapacke" in dry.stdout
    result = run_aimetenv(*legacy_args(legacy_host, "--venv", str(prefix), system_check=True))
    assert result.returncode == 2, result.stderr
    line = result.stderr.splitlines()[-1]  # after the target line, the only error line
    assert sum(x.startswith("aimetenv: error:") for x in result.stderr.splitlines()) == 1
    assert (
        "torch-cpu 1.16.2.py37 needs the Debian package liblapacke, which is not installed" in line
    )
    assert f"Install it with '{sudo}apt-get install -y liblapacke'" in line
    assert "--skip-system-check" in line
    assert "Traceback" not in result.stderr
    assert legacy_host.hits() == []
    assert not prefix.exists()


def test_no_interpreter_is_refused_before_any_download(
    legacy_host: ReleaseHost, tmp_path: Path
) -> None:
    empty = tmp_path / "pyenv"
    (empty / "versions").mkdir(parents=True)
    env = hermetic_env(PYENV_ROOT=str(empty), PATH="/usr/bin:/bin")
    prefix = tmp_path / "env"
    result = run_aimetenv(*legacy_args(legacy_host, "--venv", str(prefix)), env=env)
    assert result.returncode == 2, result.stderr
    line = one_line(result.stderr)
    assert "no Python 3.7 interpreter found" in line
    assert "--interpreter" in line
    assert legacy_host.hits() == []
    assert not prefix.exists()


def test_a_json_refusal_is_one_error_document(index: GatedIndex, tmp_path: Path) -> None:
    args = ["install", "--variant", "onnx-cpu", "--tag", "2.42.0", "--venv", str(tmp_path / "e")]
    result = run_aimetenv(*args, "--python-version", "3.9", "--json")
    assert result.returncode == 2
    document = json.loads(result.stdout)
    assert document["status"] == "error"
    assert document["exit_code"] == 2
    assert document["error"]["code"] == "python-mismatch"


# the PyPI-shaped flow


def test_dry_run_then_install_then_already_installed_then_force(
    index: GatedIndex, tmp_path: Path
) -> None:
    prefix = tmp_path / "env"
    dry = run_aimetenv(*modern_args(index.url, "--venv", str(prefix), "--dry-run", "--json"))
    assert dry.returncode == 0, dry.stderr
    planned = [a["argv"] for a in json.loads(dry.stdout)["actions"] if a["argv"]]
    assert index.requests == []
    assert not prefix.exists()

    result = run_aimetenv(*modern_args(index.url, "--venv", str(prefix), "--json"))
    assert result.returncode == 0, tail(result.stderr)
    document = json.loads(result.stdout)
    assert document["schema"] == "aimetenv.install/1"
    assert (document["status"], document["exit_code"], document["outcome"]) == (
        "success",
        0,
        "installed",
    )
    assert document["target"]["prefix"] == str(prefix)
    assert document["target"]["reason"] == "--venv given"
    assert document["plan"]["tag"] == MODERN_TAG
    assert document["smoke"]["ok"] is True
    assert "no libpymo expected" in document["smoke"]["summary"]
    assert document["next_step"]["needs_exports"] is False
    assert document["receipt"] == str(prefix / "etc/aimetenv/receipt.json")
    log = Path(document["log"]).read_text()
    ran = [line[2:] for line in log.splitlines() if line.startswith("$ ")]
    assert [shlex.split(line) for line in ran] == planned  # exactly what --dry-run listed
    installed = pip_list(prefix)
    assert installed["aimet-torch"] == "2.42.0"
    assert installed["torch"] == "2.13.0"
    receipt = receipt_of(prefix)
    assert (receipt["tag"], receipt["variant"], receipt["installer"]) == (
        MODERN_TAG,
        "torch-cpu",
        "pip",
    )
    first_finished = receipt["finished"]
    asked = len(index.requests)
    assert asked > 0

    again = run_aimetenv(*modern_args(index.url, "--venv", str(prefix)))
    assert again.returncode == 0, again.stderr
    assert "already installed" in again.stderr
    assert "target: venv" in again.stderr
    assert len(index.requests) == asked  # nothing fetched, pip not run
    assert receipt_of(prefix)["finished"] == first_finished

    forced = run_aimetenv(*modern_args(index.url, "--venv", str(prefix), "--force"))
    assert forced.returncode == 0, tail(forced.stderr)
    assert "installed AIMET 2.42.0 torch-cpu" in forced.stderr
    assert "reinstall aimet-torch==2.42.0 in place (--force)" in forced.stderr
    assert "/simple/aimet-torch/" in index.requests[asked:]


def test_human_output_verbose_and_quiet(index: GatedIndex, tmp_path: Path) -> None:
    prefix = tmp_path / "a"
    loud = run_aimetenv(*modern_args(index.url, "--venv", str(prefix), "-v"))
    assert loud.returncode == 0, tail(loud.stderr)
    assert loud.stdout == ""
    lines = loud.stderr.splitlines()
    assert lines[0] == f"target: venv {prefix} (--venv given; will be created)"
    assert lines[1].startswith("  new env from ")
    assert "[1/6] create venv" in loud.stderr
    assert "Successfully installed aimet-torch-2.42.0" in loud.stderr  # pip's own output
    assert "[4/6] byte-compile the installed packages" in loud.stderr
    assert "smoke test: aimet_torch imports" in loud.stderr
    assert "next: no exports are needed" in loud.stderr
    make_venv_with_pip(need_python("3.10"), tmp_path / "b")  # an existing env: quiet all the same
    quiet = run_aimetenv(*modern_args(index.url, "--venv", str(tmp_path / "b"), "-q"))
    assert quiet.returncode == 0, quiet.stderr
    assert (quiet.stdout, quiet.stderr) == ("", "")
    assert (tmp_path / "b/etc/aimetenv/receipt.json").is_file()


def test_ctrl_c_during_pip_with_keep_failed_keeps_the_env_and_a_rerun_completes(
    index: GatedIndex, modern: ModernRelease, tmp_path: Path
) -> None:
    prefix = tmp_path / "env"
    index.hold(modern.torch.name)
    process = start_aimetenv(*modern_args(index.url, "--venv", str(prefix), "--keep-failed"))
    try:
        assert index.wait_reached(), "pip never asked for the torch wheel"
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert err.strip().endswith(
        f"aimetenv: interrupted; venv {prefix}, which this install created, was kept "
        "(--keep-failed)."
    )
    assert "Traceback" not in err
    assert not (prefix / "etc/aimetenv/receipt.json").exists()
    assert "torch" not in pip_list(prefix)  # pip stopped before it changed anything
    check = subprocess.run(
        [str(venv_python(prefix)), "-m", "pip", "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout

    index.open_gate()
    rerun = run_aimetenv(*modern_args(index.url, "--venv", str(prefix)))
    assert rerun.returncode == 0, tail(rerun.stderr)
    assert "(--venv given; exists)" in rerun.stderr
    assert receipt_of(prefix)["tag"] == MODERN_TAG


HOLDER = """
import sys
from pathlib import Path
from aimetenv.install.locks import env_lock
from aimetenv.paths import state_dir
with env_lock(Path(sys.argv[1]), state_dir(), label="venv x"):
    print("held", flush=True)
    sys.stdin.readline()
"""


def test_an_install_into_an_env_another_process_holds_is_refused_as_busy(
    index: GatedIndex, tmp_path: Path
) -> None:
    """Another real process holds the env's lock, as a running install does (see test_session)."""
    prefix = tmp_path / "env"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(prefix)],
        env=hermetic_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        busy = run_aimetenv(*modern_args(index.url, "--venv", str(prefix)))
    finally:
        holder.kill()
        holder.wait()
    assert busy.returncode == 6, busy.stderr
    line = one_line(busy.stderr)
    assert f"another aimetenv process is installing into venv {prefix} (pid {holder.pid})" in line
    assert index.requests == []
    assert not prefix.exists()


def test_uv_installs_from_the_loopback_index(index: GatedIndex, tmp_path: Path) -> None:
    """The venv is made without ensurepip; uv puts the interpreter's bundled pip in from disk
    (its INSTALLER says uv, and the loopback index, which has no pip, was never asked for it)."""
    prefix = tmp_path / "env"
    result = run_aimetenv(*modern_args(index.url, "--venv", str(prefix), "--installer", "uv"))
    assert result.returncode == 0, tail(result.stderr)
    assert receipt_of(prefix)["installer"] == "uv"
    site = list((prefix / "lib").glob("python3.*/site-packages"))
    assert len(site) == 1
    dist_infos = list(site[0].glob("aimet_torch-2.42.0.dist-info"))
    assert len(dist_infos) == 1
    assert (dist_infos[0] / "INSTALLER").read_text().strip() == "uv"
    pips = list(site[0].glob("pip-*.dist-info"))
    assert len(pips) == 1
    assert (pips[0] / "INSTALLER").read_text().strip() == "uv"
    version = pips[0].name[len("pip-") : -len(".dist-info")]
    shown = subprocess.run(
        [str(venv_python(prefix)), "-m", "pip", "--version"],
        env=hermetic_env(), capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"pip {version} from {site[0]}")
    assert not [r for r in index.requests if r.rstrip("/").split("/")[-1].startswith("pip")]


def test_uv_refuses_legacy_wheel_names(legacy_host: ReleaseHost, tmp_path: Path) -> None:
    result = run_aimetenv(
        *legacy_args(legacy_host, "--venv", str(tmp_path / "e"), "--installer", "uv")
    )
    assert result.returncode == 2
    assert "its version is not PEP 440" in one_line(result.stderr)
    assert legacy_host.hits() == []


def test_pillow_simd_replaces_pillow(
    index: GatedIndex, modern: ModernRelease, tmp_path: Path
) -> None:
    prefix = tmp_path / "env"
    make_venv_with_pip(Path(sys.executable), prefix)
    subprocess.run(
        [str(venv_python(prefix)), "-m", "pip", "install", "--no-index", str(modern.pillow)],
        check=True,
        capture_output=True,
    )
    assert "pillow" in pip_list(prefix)
    env = hermetic_env(PIP_INDEX_URL=index.url)
    result = run_aimetenv(*modern_args(index.url, "--venv", str(prefix), "--pillow-simd"), env=env)
    assert result.returncode == 0, tail(result.stderr)
    installed = pip_list(prefix)
    assert "pillow" not in installed
    assert installed["pillow-simd"] == "9.0.0.post1"
    flavour = subprocess.run(
        [str(venv_python(prefix)), "-c", "import PIL; print(PIL.FLAVOUR)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert flavour.stdout.strip() == "simd"
    assert receipt_of(prefix)["extras"]["pillow_simd"] is True  # type: ignore[index]


# the release-host flow


def _deb_installed(package: str) -> bool:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False
    )
    return result.returncode == 0 and result.stdout.strip().endswith(" installed")


def test_wrong_python_is_refused_then_recreated_with_reqs(
    legacy_host: ReleaseHost, tmp_path: Path
) -> None:
    prefix = tmp_path / "env"
    subprocess.run([str(_python311()), "-m", "venv", "--without-pip", str(prefix)], check=True)
    refused = run_aimetenv(*legacy_args(legacy_host, "--venv", str(prefix)))
    assert refused.returncode == 2
    line = one_line(refused.stderr)
    assert f"venv {prefix} has Python 3.11, but 1.16.2.py37 torch-cpu needs Python 3.7" in line
    assert "--recreate" in line
    unconfirmed = run_aimetenv(*legacy_args(legacy_host, "--venv", str(prefix), "--recreate"))
    assert unconfirmed.returncode == 2
    assert "Pass --yes to confirm" in unconfirmed.stderr.splitlines()[-1]
    assert legacy_host.hits() == []

    result = run_aimetenv(
        *legacy_args(legacy_host, "--venv", str(prefix), "--recreate", "--yes", "--with-reqs")
    )
    assert result.returncode == 0, tail(result.stderr)
    assert "-m venv --clear" in (Path(_log_of(result.stderr)).read_text())
    # The log is named when the install starts, before its first step, not only at the end.
    first_log = next(
        i for i, line in enumerate(result.stderr.splitlines()) if line.startswith("log:")
    )
    first_step = next(
        i for i, line in enumerate(result.stderr.splitlines()) if line.startswith("[1/")
    )
    assert first_log < first_step
    assert receipt_of(prefix)["python_version"] == "3.7.16"
    assert pip_list(prefix)["six"] == "1.16.0"
    expected = [p for p in ("liblapacke", "liblapacke-dev", "coreutils") if not _deb_installed(p)]
    sudo = "" if os.geteuid() == 0 else "sudo "
    if expected:
        assert f"{sudo}apt-get install -y {' '.join(expected)}" in result.stderr
    else:
        assert "system packages from reqs_deb: all installed" in result.stderr
    assert "-y -y" not in result.stderr
    assert f"next: aimetenv env --venv {prefix} --write ~/.bashrc   (recommended)" in result.stderr
    assert f'  or: eval "$(aimetenv env --venv {prefix})"' in result.stderr
    assert "skipped: pip 22.0.4 is already inside <24.1" in result.stderr
    assert "libpymo loads natively from" in result.stderr
    extras = receipt_of(prefix)["extras"]
    assert isinstance(extras, dict)
    assert extras["with_reqs"] is True
    assert extras["apt_missing"] == expected
    assert [Path(p).name for p in extras["reqs_files"]] == ["reqs_pip_common.txt"]


def _python311() -> Path:
    from support.envs import need_python  # noqa: PLC0415  # skip when absent

    return need_python("3.11")


def _log_of(stderr: str) -> str:
    return next(
        line.split("log: ", 1)[1] for line in stderr.splitlines() if line.startswith("log:")
    )


def test_wheel_dir_is_checked_before_anything_changes(
    legacy_release: LegacyRelease, tmp_path: Path
) -> None:
    import hashlib  # noqa: PLC0415  # only here

    house = tmp_path / "house"
    house.mkdir()
    files = []
    for wheel in legacy_release.wheels:
        data = wheel.read_bytes()
        (house / wheel.name).write_bytes(data)
        files.append(
            {"filename": wheel.name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        )
    manifest = {
        "schema": "aimetenv.wheelhouse/1",
        "tag": TAG,
        "variant": VARIANT,
        "source": "github",
        "python": "3.7",
        "glibc": "2.36",
        "machine": "x86_64",
        "created": "2026-01-01T00:00:00+00:00",
        "dependencies": True,  # the stand-ins have none: pip needs no find-links page
        "files": files,
    }
    (house / "manifest.json").write_text(json.dumps(manifest))
    args = ["install", "--variant", VARIANT, "--tag", TAG, "--wheel-dir", str(house),
            "--skip-system-check"]  # fmt: skip
    damaged = house / legacy_release.meta.name
    original = damaged.read_bytes()
    damaged.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    prefix = tmp_path / "env"
    refused = run_aimetenv(*args, "--venv", str(prefix))
    assert refused.returncode == 5, refused.stderr
    assert legacy_release.meta.name in refused.stderr.splitlines()[-1]
    assert not prefix.exists()
    damaged.write_bytes(original)
    dry = run_aimetenv(*args, "--venv", str(prefix), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "GET " not in dry.stdout  # the plan says what the run does: it reads the wheelhouse
    for wheel in legacy_release.wheels:
        assert f"take {wheel.name} from the wheelhouse (sha256 checked" in dry.stdout
        assert f"     read {house / wheel.name}\n" in dry.stdout
    result = run_aimetenv(*args, "--venv", str(prefix))
    assert result.returncode == 0, tail(result.stderr)
    files_recorded = receipt_of(prefix)["files"]
    assert isinstance(files_recorded, list)
    assert [f["sha256"] for f in files_recorded] == [f["sha256"] for f in files]


def test_aimetenv_timeout_becomes_pips_timeout(index: GatedIndex, tmp_path: Path) -> None:
    prefix = tmp_path / "env"
    args = modern_args(index.url, "--venv", str(prefix), "--json")
    unset = run_aimetenv(*args, "--dry-run", env=hermetic_env(AIMETENV_TIMEOUT=None))
    assert unset.returncode == 0, unset.stderr
    assert not any("--timeout" in a["argv"] for a in json.loads(unset.stdout)["actions"])

    env = hermetic_env(AIMETENV_TIMEOUT="30")
    dry = run_aimetenv(*args, "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    planned = [a["argv"] for a in json.loads(dry.stdout)["actions"] if a["argv"]]
    pip_installs = [argv for argv in planned if argv[1:4] == ["-m", "pip", "install"]]
    assert pip_installs
    for argv in pip_installs:
        assert argv[argv.index("--timeout") + 1] == "30"
    # pip acting on it, for real: the fault suite's pip-index-never-answers case
