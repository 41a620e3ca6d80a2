"""The benchmark code itself, on small inputs: its command line, its verdicts, its download path.

No timing is checked here: the figures belong to ``benchmarks/run.py`` and docs/performance.md.
"""

from __future__ import annotations

import hashlib
import os
import subprocess  # noqa: TID251  # the benchmark's real command line
import sys
from pathlib import Path

import pytest

from aimetenv.errors import NetworkError
from support.legacy import TAG, LegacyRelease
from support.releasehost import ReleaseHost
from support.wheelbuild import build_wheel

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from goals.download import FastHost, fetch_once, make_file, resume_bytes  # noqa: E402  # after sys.path names benchmarks/
from goals.install import import_command, uv_commands  # noqa: E402  # after sys.path names benchmarks/
from goals.preflight import hosts_and_space, prepared_plan  # noqa: E402  # after sys.path names benchmarks/
from harness import Samples, at_most, count_equal, throughput_at_least, time_under  # noqa: E402  # after sys.path names benchmarks/


def test_run_help_names_every_section() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for section in ("startup", "doctor", "noop", "preflight", "install", "download"):
        assert section in done.stdout


def test_a_bad_repeat_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--repeat", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "--repeat must be at least 1" in done.stderr


def test_verdicts_follow_the_goals() -> None:
    samples = Samples(subject=(1.2, 1.0, 1.1), baseline=(1.0, 1.0, 0.9))
    met = at_most("x", "subject", "baseline", samples, 1.2)
    assert (met.measured, met.reference, met.verdict) == (1.1, 1.0, "MET")
    assert met.line() == "x: 1.100 s vs 1.000 s = 1.10x (goal <= 1.20x) MET"
    assert at_most("x", "s", "b", samples, 1.05).verdict == "NOT MET"
    fast = throughput_at_least("d", "s", "b", samples, size=100_000_000, limit=0.8)
    assert fast.unit == "MB/s"
    assert fast.ratio == pytest.approx(1.0 / 1.1)
    assert fast.verdict == "MET"
    assert time_under("n", "s", "b", samples, 1.0).verdict == "NOT MET"
    assert count_equal("r", "s", "b", 5, 5).verdict == "MET"
    assert count_equal("r", "s", "b", 6, 5).verdict == "NOT MET"


def test_the_download_comparison_fetches_and_resumes_a_small_file(tmp_path: Path) -> None:
    source = tmp_path / "file.bin"
    digest = make_file(source, 3_000_001)
    assert digest == hashlib.sha256(source.read_bytes()).hexdigest()
    with FastHost({"/file.bin": source}) as host:
        assert fetch_once(host.url("/file.bin"), digest, tmp_path / "cache") == 3_000_001
    first, second, missing = resume_bytes(source, digest, tmp_path / "work")
    assert first == 1_500_000
    assert second == missing == 1_500_001


def _uv_plan(prefix: Path, folder: Path) -> list[list[str]]:
    """The shape ``install --dry-run --json --installer uv`` gives: a venv, then uv pip calls."""
    uv = str(Path(sys.executable).with_name("uv"))
    return [
        [sys.executable, "-m", "venv", str(prefix)],
        [uv, "pip", "install", "--python", str(prefix / "bin" / "python"), "tiny",
         "--no-index", "--find-links", str(folder)],
    ]  # fmt: skip


def test_the_uv_baselines_make_the_venv_with_uv(tmp_path: Path) -> None:
    plan = _uv_plan(tmp_path / "venv", tmp_path / "wheels")
    uv = plan[1][0]
    plain = uv_commands(plan, seed=False)
    assert plain[0] == [uv, "venv", "--python", sys.executable, str(tmp_path / "venv")]
    assert plain[1:] == plan[1:]
    assert uv_commands(plan, seed=True)[0][:3] == [uv, "venv", "--seed"]
    assert import_command(tmp_path / "venv") == [
        str(tmp_path / "venv" / "bin" / "python"), "-c", "import aimet_onnx",
    ]  # fmt: skip
    with pytest.raises(RuntimeError, match="unexpected uv plan"):
        uv_commands(plan[1:], seed=False)


def test_the_uv_baselines_leave_out_the_bundled_pip_step(tmp_path: Path) -> None:
    """``uv venv --seed`` puts pip in itself; bare uv has none, as a user of uv leaves it."""
    plan = _uv_plan(tmp_path / "venv", tmp_path / "wheels")
    uv = plan[1][0]
    bundled = "/py/lib/python3.11/ensurepip/_bundled/pip-23.2.1-py3-none-any.whl"
    seeded = [
        [*plan[0][:3], "--without-pip", plan[0][3]],
        [
            uv,
            "pip",
            "install",
            "--python",
            str(tmp_path / "venv/bin/python"),
            bundled,
            "--no-index",
        ],
        plan[1],
    ]
    for seed in (False, True):
        assert uv_commands(seeded, seed=seed)[1:] == plan[1:]


def test_the_plain_uv_commands_install_and_import_as_typed(tmp_path: Path) -> None:
    if not Path(sys.executable).with_name("uv").exists():
        pytest.skip("uv is in the dev extra; this venv has none")
    folder = tmp_path / "wheels"
    build_wheel(
        folder, distribution="tiny", version="1.0", tag="py3-none-any",
        files={"tiny/__init__.py": b"VALUE = 1\n"}, root_is_purelib=True,
    )  # fmt: skip
    prefix = tmp_path / "venv"
    env = {**os.environ, "UV_NO_CONFIG": "1"}  # uv's cache follows XDG_CACHE_HOME, in tmp_path
    for argv in [
        *uv_commands(_uv_plan(prefix, folder), seed=False),
        import_command(prefix, ("tiny",)),
    ]:
        done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    assert list((prefix / "lib").glob("python3.*/site-packages/tiny/__init__.py"))


def test_the_preflight_section_checks_the_plans_loopback_hosts(
    legacy_release: LegacyRelease, tmp_path: Path
) -> None:
    with ReleaseHost(tmp_path / "host") as host:
        host.publish_files(TAG, legacy_release.wheels)
        _simple, links = host.serve_index(legacy_release.folder)
        prepared = prepared_plan(host.base, links, tmp_path / "new", tmp_path / "cache")
        assert hosts_and_space(prepared) == 1  # the release host serves the find-links page too
        assert not (tmp_path / "new").exists()
    with pytest.raises(NetworkError, match="release host"):
        hosts_and_space(prepared)
