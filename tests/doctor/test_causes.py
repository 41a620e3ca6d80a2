"""One cause, one fix: the pure decision on built results, then a real env where it happens."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from aimetenv.doctor.causes import attribute, root_cause
from aimetenv.doctor.checks import ALL_CHECKS
from aimetenv.doctor.engine import run_doctor
from aimetenv.doctor.model import CheckResult, Status
from support.doctor_envs import session_env, standin_venv, standin_wheel
from support.envs import need_python

if TYPE_CHECKING:
    from pathlib import Path

    from support.doctor_envs import MakeContext


def fail(check_id: str, summary: str, **facts: str) -> CheckResult:
    return CheckResult(check_id, Status.FAIL, summary, hint=f"{check_id}'s own fix", facts=facts)


def test_an_effect_points_at_the_cause_its_error_names() -> None:
    results = (
        fail("python", "Python 3.11.9 (cp311); 2.0.0 needs ==3.10.*"),
        fail("requirements", "onnxruntime 1.16.3 is installed; aimet-onnx requires onnxruntime>=1.19"),
        fail("package-import", "import aimet_onnx fails: ImportError: onnxruntime 1.16.3 is too old"),
    )  # fmt: skip
    attributed = attribute(results)
    effect = attributed[2]
    assert effect.hint == (
        "Fix what the requirements check found first (onnxruntime 1.16.3 is installed; aimet-onnx "
        "requires onnxruntime>=1.19); this follows from it. Then run doctor again."
    )
    assert effect.facts["caused_by"] == "requirements"
    assert effect.details[-1] == "fix proposed by this check alone: package-import's own fix"
    assert attributed[:2] == results[:2]
    assert root_cause(attributed) is results[0]


def test_an_effect_that_named_its_suspect_points_at_it() -> None:
    results = (
        fail("environment", "PYTHONPATH names /gone, which does not exist"),
        fail("framework", "torch 2.3.0 is installed; 1.33.0 was built with 2.1.2+cpu"),
        fail("package-import", "import aimet_torch fails: built against another build",
             cause="undefined-symbol", suspect="framework"),
    )  # fmt: skip
    effect = attribute(results)[2]
    assert effect.facts["caused_by"] == "framework"
    assert effect.hint is not None
    assert "this follows from it" in effect.hint


def test_an_effect_that_classified_its_failure_keeps_its_fix_when_no_cause_is_tied() -> None:
    results = (
        fail("environment", "LD_LIBRARY_PATH names /opt/x, which does not exist"),
        fail("package-import", "import aimet_onnx fails: 2 of its 2 files in y/ are gone",
             cause="files-gone"),
    )  # fmt: skip
    assert attribute(results)[1] is results[1]


def test_without_evidence_the_first_cause_is_named_as_likely() -> None:
    results = (
        fail("environment", "PYTHONPATH entry /x holds another numpy"),
        fail("libpymo", "aimet_common._libpymo does not load: SystemError: bad call"),
    )
    effect = attribute(results)[1]
    assert effect.facts["caused_by"] == "environment"
    assert effect.hint is not None
    assert "it is the likely cause" in effect.hint


def test_nothing_changes_without_a_failing_cause() -> None:
    results = (
        CheckResult("framework", Status.WARN, "torch 2.13.0 is not the pin", hint="pin it"),
        fail("package-import", "import aimet_torch fails: ImportError: x"),
    )
    assert attribute(results) == results
    assert root_cause(results) is results[1]


@pytest.fixture(scope="session")
def too_old_runtime_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """aimet-onnx that declares onnxruntime>=1.19 and refuses 1.16.3 at import, as AIMET would."""
    init = (
        b"import onnxruntime\n"
        b"if tuple(int(p) for p in onnxruntime.__version__.split('.')[:2]) < (1, 19):\n"
        b"    raise ImportError('onnxruntime %s is too old' % onnxruntime.__version__)\n"
    )

    def build(folder: Path) -> Path:
        wheels = [
            standin_wheel(
                folder / "w",
                "aimet-onnx",
                "2.42.0",
                requires=("onnxruntime>=1.19",),
                files={"aimet_onnx/__init__.py": init},
            ),
            standin_wheel(
                folder / "w",
                "onnxruntime",
                "1.16.3",
                files={"onnxruntime/__init__.py": b"__version__ = '1.16.3'\n"},
            ),
        ]
        return standin_venv(need_python("3.11"), folder / "env", wheels)

    return session_env(tmp_path_factory, "too-old-runtime", build)


def test_the_import_failure_points_at_the_unmet_requirement(
    make_ctx: MakeContext, too_old_runtime_env: Path
) -> None:
    ctx = make_ctx(too_old_runtime_env)
    report = run_doctor(ctx, ALL_CHECKS, names=["requirements", "package-import"])
    by_id = {r.check_id: r for r in report.results}
    assert by_id["package-import"].status is Status.FAIL
    assert by_id["package-import"].facts["caused_by"] == "requirements"
    assert by_id["package-import"].hint == (
        "Fix what the requirements check found first (onnxruntime 1.16.3 is installed; "
        "aimet-onnx 2.42.0 requires onnxruntime>=1.19); this follows from it. Then run doctor "
        "again."
    )
    assert report.root_cause == "requirements"
