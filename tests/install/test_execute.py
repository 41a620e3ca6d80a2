"""install(): the prepared actions carried out for real (real runner, downloader, pip, venvs)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from aimetenv import __version__
from aimetenv.catalog.load import load_catalog
from aimetenv.envs.targets import CondaTool, EnvTarget, Origin, TargetRequest
from aimetenv.errors import InstallError, NetworkError
from aimetenv.fetch.download import Downloader
from aimetenv.install.execute import install
from aimetenv.install.options import InstallOptions
from aimetenv.install.prepare import Prepared, prepare
from aimetenv.install.receipt import read_last_install, read_receipt, receipt_path_in_env
from aimetenv.install.repeat import already_installed, start_early_smoke
from aimetenv.install.resolver import Options
from aimetenv.install.result import next_step, target_flags
from aimetenv.install.smoke import StartedSmoke
from aimetenv.render.install import next_step_message
from aimetenv.runner import SubprocessRunner
from support.legacy import TAG, VARIANT, LegacyRelease
from support.recording import SpyRunner
from support.releasehost import ReleaseHost
from support.standins import GatedIndex, build_modern_release
from support.wheelbuild import build_wheel

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aimetenv.install.actions import Action
    from aimetenv.install.plan import InstallPlan
    from aimetenv.install.smoke import SmokeCall

CATALOG = load_catalog()


@dataclass
class Recorder:
    """A Reporter that keeps what it was told."""

    starts: list[str] = field(default_factory=list)
    skips: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def action(self, number: int, total: int, action: Action) -> None:
        self.starts.append(f"{number}/{total} {action.kind}")

    def skipped(self, action: Action, reason: str) -> None:
        del action
        self.skips.append(reason)

    def output(self, line: str) -> None:
        self.lines.append(line)


@pytest.fixture
def host(legacy_release: LegacyRelease, tmp_path: Path) -> Iterator[ReleaseHost]:
    with ReleaseHost(tmp_path / "host") as served:
        for wheel in legacy_release.wheels:
            served.publish_file(TAG, wheel)
        served.serve_index(legacy_release.folder)
        yield served


def legacy_prepared(host: ReleaseHost, prefix: Path, cache: Path, **extra: object) -> Prepared:
    extra.setdefault("skip_system_check", True)  # the stand-in's libpymo needs no liblapacke
    options = Options(mirror=host.base, torch_find_links=host.url("links/"))
    return prepare(
        CATALOG,
        InstallOptions(
            variant=VARIANT,
            tag=TAG,
            target=TargetRequest(venv=str(prefix)),
            sources=options,
            **extra,  # type: ignore[arg-type]
        ),
        SubprocessRunner(),
        venvs_dir=prefix.parent / "envs",
        wheel_path=lambda w: cache / TAG / w.filename,
        receipt_path=receipt_path_in_env,
    )


def test_a_legacy_install_fills_every_receipt_field(
    host: ReleaseHost, legacy_release: LegacyRelease, tmp_path: Path
) -> None:
    prefix, cache, state = tmp_path / "env", tmp_path / "cache", tmp_path / "state"
    prepared = legacy_prepared(host, prefix, cache)
    reporter = Recorder()
    result = install(
        prepared,
        runner=SubprocessRunner(),
        fetcher=Downloader(cache_root=cache),
        state=state,
        reporter=reporter,
    )
    assert result.outcome == "installed"
    assert reporter.starts == [f"{n}/14 {a.kind}" for n, a in enumerate(prepared.actions, 1)]
    assert reporter.skips == ["pip 22.0.4 is already inside <24.1"]
    assert result.smoke.ok
    assert result.receipt_path == prefix / "etc/aimetenv/receipt.json"
    receipt = read_receipt(prefix, state)
    assert receipt is not None
    served = {w.name: hashlib.sha256(w.read_bytes()).hexdigest() for w in legacy_release.wheels}
    assert [(f["filename"], f["sha256"]) for f in receipt.files] == list(served.items())
    assert [f["size"] for f in receipt.files] == [w.stat().st_size for w in legacy_release.wheels]
    assert [f["url"] for f in receipt.files] == [w.url for w in prepared.plan.wheels]
    assert (receipt.tag, receipt.variant, receipt.source) == (TAG, VARIANT, "github")
    assert (receipt.prefix, receipt.python) == (str(prefix), str(prefix / "bin/python"))
    assert (receipt.python_version, receipt.target_kind) == ("3.7.16", "venv")
    assert receipt.site_packages == (str(prefix / "lib/python3.7/site-packages"),)
    assert receipt.exports == prepared.plan.exports.to_dict()
    assert receipt.smoke == prepared.plan.smoke.to_dict()
    assert receipt.plan == json.loads(json.dumps(prepared.plan.to_dict()))
    assert (receipt.installer, receipt.aimetenv_version) == ("pip", __version__)
    assert receipt.started <= receipt.finished
    assert receipt.started.endswith("+00:00")
    assert receipt.extras["with_reqs"] is False
    assert receipt.extras["log"] == str(result.log_path)
    assert read_last_install(state) == {
        "schema": "aimetenv.last-install/1",
        "prefix": str(prefix),
        "python": str(prefix / "bin/python"),
        "kind": "venv",
    }
    assert result.next_step.needs_exports
    assert result.next_step.write == f"aimetenv env --venv {prefix} --write ~/.bashrc"
    assert result.log_path is not None
    log = result.log_path.read_text()
    assert f"$ {prepared.base_interpreter} -m venv {prefix}" in log
    assert "# smoke test" in log
    # pip ran with --no-compile; one parallel pass compiled what it installed, even modules
    # that nothing has imported yet
    assert all("--no-compile" in argv for argv in (a.argv for a in prepared.actions[8:11]))
    assert "-c 'import compileall, sysconfig;" in log
    assert "aimet_torch.quantsim" not in prepared.plan.smoke.packages
    site = prefix / "lib/python3.7/site-packages"
    assert (site / "aimet_torch/__pycache__/quantsim.cpython-37.pyc").is_file()

    spy = SpyRunner()
    again = legacy_prepared(host, prefix, cache)
    hits = len(host.hits())
    repeat = install(again, runner=spy, fetcher=Downloader(cache_root=cache), state=state)
    assert repeat.outcome == "already-installed"
    assert repeat.smoke.mode == "full"  # the packages were imported, not only found
    assert len(spy.argvs) == 1  # the smoke test, nothing else
    assert spy.argvs[0][1] == "-c"
    assert len(host.hits()) == hits
    assert already_installed(again, SubprocessRunner(), state) is not None

    (prefix / "lib/python3.7/site-packages/aimet_common/x86_64-linux-gnu/libpymo.so").unlink()

    def no_op() -> object:
        return already_installed(again, SubprocessRunner(), state)

    def full() -> object:
        fetcher = Downloader(cache_root=cache)
        return install(again, runner=SubprocessRunner(), fetcher=fetcher, state=state)

    for broken in (no_op, full):
        with pytest.raises(InstallError) as failed:
            broken()  # the same release, broken: not "already installed", and nothing changed
        assert failed.value.code == "installed-but-broken"
        assert failed.value.message.startswith(
            f"venv {prefix} has AIMET {TAG} {VARIANT} installed (receipt "
        )
        assert "but it does not work: libpymo (libpymo) failed: " in failed.value.message
        assert failed.value.message.endswith("; nothing was changed")
        assert failed.value.hint is not None
        assert "with --force reinstalls the AIMET packages in place" in failed.value.hint
    assert receipt_path_in_env(prefix).is_file()  # a real --force repair: tests/cli/test_install.py


def test_the_early_smoke_test_decides_a_no_op_only_when_it_is_the_same_test(
    host: ReleaseHost, legacy_env: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    prepared = legacy_prepared(host, legacy_env, tmp_path / "cache")
    early = start_early_smoke(prepared.target, SubprocessRunner(), state)
    assert early is not None
    spy = SpyRunner()
    done = already_installed(prepared, spy, state, early)
    assert done is not None
    assert done.outcome == "already-installed"
    assert done.smoke.ok
    assert done.smoke.mode == "full"
    assert spy.argvs == []  # the early test's answer was taken, nothing ran again

    elsewhere = StartedSmoke(SubprocessRunner(), replace_cwd(early, str(tmp_path)))
    again = already_installed(prepared, spy, state, elsewhere)
    assert again is not None
    assert len(spy.argvs) == 1  # another test (another folder): the no-op ran its own


def test_no_early_smoke_test_without_a_receipt_or_an_env(tmp_path: Path) -> None:
    python = tmp_path / "env/bin/python"
    missing = EnvTarget(
        kind="venv",
        python=python,
        reason="--venv given",
        origin=Origin.VENV_GIVEN,
        prefix=python.parents[1],
        exists=False,
    )
    assert start_early_smoke(missing, SubprocessRunner(), tmp_path / "state") is None
    (tmp_path / "env/bin").mkdir(parents=True)
    present = EnvTarget(
        kind="venv",
        python=python,
        reason="--venv given",
        origin=Origin.VENV_GIVEN,
        prefix=python.parents[1],
        exists=True,
    )
    assert start_early_smoke(present, SubprocessRunner(), tmp_path / "state") is None


def replace_cwd(started: StartedSmoke, cwd: str) -> SmokeCall:
    return dataclasses.replace(
        started.call, command=dataclasses.replace(started.call.command, cwd=cwd)
    )


def test_a_missing_file_stops_before_the_env_is_created(host: ReleaseHost, tmp_path: Path) -> None:
    prefix, cache = tmp_path / "env", tmp_path / "cache"
    prepared = legacy_prepared(host, prefix, cache)
    host.gone(prepared.plan.wheels[1].url)
    with pytest.raises(NetworkError) as missing:
        install(
            prepared,
            runner=SubprocessRunner(),
            fetcher=Downloader(cache_root=cache),
            state=tmp_path / "state",
        )
    assert missing.value.code == "asset-missing"
    assert prepared.plan.wheels[1].filename in missing.value.message
    assert not prefix.exists()
    assert [h.method for h in host.hits(prepared.plan.wheels[2].url)] == []


def test_a_failing_smoke_test_leaves_no_receipt(tmp_path: Path) -> None:
    release = build_modern_release(tmp_path / "wheels")
    release.aimet_torch.unlink()
    build_wheel(
        release.folder,
        distribution="aimet_torch",
        version="2.42.0",
        tag="py38-none-any",
        files={"aimet_torch/__init__.py": b"raise ImportError('libquant_info is missing')\n"},
        root_is_purelib=True,
    )
    prefix = tmp_path / "env"
    with GatedIndex(release.folder) as index:
        prepared = prepare(
            CATALOG,
            InstallOptions(
                variant="torch-cpu",
                tag="2.42.0",
                target=TargetRequest(venv=str(prefix)),
                sources=Options(torch_index=index.url, index_url=index.url),
            ),
            SubprocessRunner(),
            venvs_dir=tmp_path / "envs",
            wheel_path=lambda w: tmp_path / w.filename,
            receipt_path=receipt_path_in_env,
        )
        with pytest.raises(InstallError) as failed:
            install(
                prepared,
                runner=SubprocessRunner(),
                fetcher=Downloader(cache_root=tmp_path / "cache"),
                state=tmp_path / "state",
                keep_failed=True,
            )
    assert failed.value.code == "smoke-failed"
    assert failed.value.message == (
        "the packages were installed, but the smoke test failed: aimet_torch (aimet_torch) "
        f"failed: ImportError: libquant_info is missing; venv {prefix}, which this install "
        "created, was kept (--keep-failed)"
    )
    assert not (prefix / "etc/aimetenv/receipt.json").exists()
    assert (prefix / "bin/python").exists()


def test_target_flags_and_next_steps() -> None:
    plan = load_plan("onnx-cpu", "2.42.0")
    conda = CondaTool("/c/bin/conda", "conda", "conda on PATH")
    named = EnvTarget(
        "conda", Path("/c/envs/a b/bin/python"), "--name given", Origin.NAME_GIVEN,
        prefix=Path("/c/envs/a b"), name="a b", conda=conda,
    )  # fmt: skip
    assert target_flags(named, Path("/c/envs/a b")) == "-n 'a b'"
    active = EnvTarget(
        "conda", Path("/w/bin/python"), "the active conda env ($CONDA_PREFIX)",
        Origin.ACTIVE_CONDA, prefix=Path("/w"),
        name="w", conda=conda,
    )  # fmt: skip
    assert target_flags(active, Path("/w")) == "-p /w"
    python = EnvTarget("python", Path("/usr/bin/python3"), "--python given", Origin.PYTHON_GIVEN)
    assert target_flags(python, Path("/usr")) == "--python /usr/bin/python3"
    step = next_step(plan, named, Path("/c/envs/a b"))
    assert not step.needs_exports
    assert step.activate == "conda activate 'a b'"
    assert (
        next_step_message(step, plan.tag)
        == "no exports are needed; activate the environment with 'conda activate 'a b''"
    )
    gpu = next_step(load_plan("torch-gpu", "1.16.2.py37"), python, Path("/usr"))
    assert gpu.needs_exports
    assert gpu.eval == 'eval "$(aimetenv env --python /usr/bin/python3)"'
    assert gpu.activate is None
    assert next_step_message(gpu, "1.16.2.py37") == (
        "AIMET 1.16.2.py37 needs environment variables: run 'aimetenv env --python "
        "/usr/bin/python3 --write ~/.bashrc' (recommended), or 'eval \"$(aimetenv env --python "
        "/usr/bin/python3)\"' in each shell"
    )


def load_plan(variant: str, tag: str) -> InstallPlan:
    from aimetenv.install.resolver import Target, resolve  # noqa: PLC0415  # only here

    return resolve(CATALOG, variant, tag, Target(glibc=(2, 36), machine="x86_64"))
