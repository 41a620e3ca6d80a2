"""The resolver, table-driven over the whole catalog, its era boundaries and its refusals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from aimetenv.catalog.load import load_catalog
from aimetenv.envs.facts import TargetFacts, assumed_facts
from aimetenv.errors import UsageError
from aimetenv.install.resolver import Options, PythonMismatchError, Target, describe_python, resolve

if TYPE_CHECKING:
    from aimetenv.install.plan import InstallPlan

CATALOG = load_catalog()
HOST = Target(glibc=(2, 36), machine="x86_64")
CASES = [
    (release.tag, variant.id, kind)
    for release in CATALOG.releases
    for variant in release.variants.values()
    if variant.shipped
    for kind in ("github", "pypi")
    if variant.source(kind) is not None
]


@pytest.mark.parametrize(("tag", "variant", "kind"), CASES, ids=["-".join(c) for c in CASES])
def test_every_catalog_entry_resolves(tag: str, variant: str, kind: str) -> None:
    plan = resolve(
        CATALOG, variant, tag, HOST, Options(source="github" if kind == "github" else "pypi")
    )
    release = CATALOG.get(tag)
    assert release is not None
    source = release.variants[variant].source("github" if kind == "github" else "pypi")
    assert source is not None
    assert plan.source == kind
    if kind == "github":
        assert [w.filename for w in plan.wheels] == [w.filename for w in source.wheels]
        for wheel in plan.wheels:
            assert wheel.url.startswith(f"https://github.com/quic/aimet/releases/download/{tag}/")
            assert "+" not in wheel.url
        assert plan.requirements == tuple(source.replace.values())  # the onnxruntime-gpu swap
    else:
        (wheel,) = plan.wheels
        assert wheel.filename in {f.filename for f in source.files}
        assert wheel.sha256 == source.sha256[wheel.filename]
        assert wheel.url.endswith("/" + wheel.filename)
        assert not wheel.check_exists, "PyPI lists the file: no HEAD needed"
        assert source.requirement not in plan.requirements
    if plan.python_specifier:
        assert Version(plan.python_for_new_env + ".0") in SpecifierSet(plan.python_specifier)
    assert plan.target.python_xy == plan.python_for_new_env
    kinds = [s.kind for s in plan.steps]
    assert kinds.count("pip-bound") == (1 if plan.pip_bound else 0)
    if plan.pip_bound:
        assert kinds[0] == "pip-bound"


def _plan(variant: str, tag: str, **kwargs: object) -> InstallPlan:
    return resolve(CATALOG, variant, tag, HOST, Options(**kwargs))  # type: ignore[arg-type]


def test_headline_legacy_release() -> None:
    plan = _plan("torch-cpu", "1.16.2.py37")
    assert [w.filename for w in plan.wheels] == [
        "AimetCommon-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl",
        "AimetTorch-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl",
        "Aimet-torch_cpu_1.16.2.py37-cp37-cp37m-linux_x86_64.whl",
    ]
    assert plan.pip_bound == "<24.1"
    assert plan.python_for_new_env == "3.7"
    torch_step = next(
        s for s in plan.steps if s.wheel and s.wheel.filename.startswith("AimetTorch")
    )
    assert torch_step.pip_args == ("-f", "https://download.pytorch.org/whl/torch_stable.html")
    assert plan.smoke.native == "libpymo"
    assert plan.smoke.needs_exports
    assert plan.exports.pythonpath == ("aimet_common/x86_64-linux-gnu",)
    assert all(w.check_exists for w in plan.wheels), "inferred names are checked with HEAD"


def test_headline_pypi_release() -> None:
    plan = _plan("onnx-cpu", "2.42.0")
    assert plan.source == "pypi"
    (wheel,) = plan.wheels
    assert (wheel.filename, wheel.sha256) == (
        "aimet_onnx-2.42.0-cp310-abi3-manylinux_2_34_x86_64.whl",
        "a3e0652e7799ef9c5739a2f01544e93437e03e73f616d7133903d97ef9e15789",
    )
    assert wheel.url.startswith("https://files.pythonhosted.org/packages/")
    framework = plan.steps[0]
    assert framework.kind == "framework"
    assert framework.requirements == ("torch", "torchvision")
    assert framework.pip_args == ("--index-url", "https://download.pytorch.org/whl/cpu")
    assert plan.smoke.native == "aimet_onnx.common._libpymo"
    assert plan.exports.ld_library_path == ()
    assert plan.exports.pythonpath == ()
    assert plan.pip_bound is None


@pytest.mark.parametrize(
    ("tag", "variant", "native", "wrapper", "ld", "pythonpath"),
    [
        ("1.13.0", "tf-torch-gpu", "libpymo", None, 2, 1),
        ("1.21.0", "torch-cpu", "libpymo", None, 2, 1),
        ("1.22.0", "torch-cpu", "aimet_common.libpymo", None, 1, 0),
        ("1.23.0", "torch-cpu", "aimet_common.libpymo", None, 1, 0),
        ("1.24.0", "torch-cpu", "aimet_common.libpymo", None, 0, 0),
        ("1.32.0", "torch-cpu", "aimet_common.libpymo", None, 0, 0),
        ("1.33.0", "torch-cpu", "aimet_common._libpymo", "aimet_common.libpymo", 0, 0),
        ("2.19.0", "onnx-cpu", "aimet_common._libpymo", "aimet_common.libpymo", 0, 0),
        ("2.20.0", "torch-cpu", "aimet_torch.common._libpymo", "aimet_torch.common.libpymo", 0, 0),
        ("2.29.0", "torch-gpu", "aimet_torch.common._libpymo", "aimet_torch.common.libpymo", 0, 0),
        ("2.30.0", "torch-gpu", None, "aimet_torch.common.libpymo", 0, 0),
        ("2.42.0", "torch-cpu", None, "aimet_torch.common.libpymo", 0, 0),
        ("2.42.0", "onnx-gpu", "aimet_onnx.common._libpymo", "aimet_onnx.common.libpymo", 0, 0),
    ],
)
def test_era_boundaries(
    tag: str, variant: str, native: str | None, wrapper: str | None, ld: int, pythonpath: int
) -> None:
    plan = _plan(variant, tag)
    assert plan.smoke.native == native
    assert plan.smoke.wrapper == wrapper
    assert len(plan.exports.ld_library_path) == ld
    assert len(plan.exports.pythonpath) == pythonpath
    assert plan.smoke.needs_exports == bool(ld or pythonpath)


@pytest.mark.parametrize(
    ("tag", "variant", "python"),
    [
        ("1.16.2", "torch-cpu", "3.6"),
        ("1.16.2.py37", "torch-cpu", "3.7"),
        ("1.22.0", "tf-cpu", "3.8"),
        ("1.34.0", "onnx-cpu", "3.10"),
        ("2.10.0", "torch-cpu", "3.10"),
        ("2.42.0", "onnx-cpu", "3.10"),
    ],
)
def test_python_for_new_environments(tag: str, variant: str, python: str) -> None:
    assert _plan(variant, tag).python_for_new_env == python


def test_pip_bound_is_tighter_on_python_3_6() -> None:
    assert _plan("torch-cpu", "1.16.2").pip_bound == "<24.1,<=21.3.1"
    assert _plan("tf-torch-gpu", "1.14.0").pip_bound == "<=21.3.1"


def test_mirror_replaces_the_release_host_and_encodes_plus() -> None:
    plan = _plan("onnx-cpu", "2.9.0", mirror="http://127.0.0.1:8080/aimet", source="github")
    assert plan.wheels[0].url == (
        "http://127.0.0.1:8080/aimet/2.9.0/aimet_onnx-2.9.0%2Bcpu-cp310-cp310-manylinux_2_34_x86_64.whl"
    )


def test_index_and_torch_index_options() -> None:
    plan = _plan(
        "torch-cpu", "2.42.0", index_url="https://pypi.mirror/simple", torch_index="https://t/cpu"
    )
    assert plan.steps[0].pip_args == ("--index-url", "https://t/cpu")
    assert plan.steps[1].pip_args == ("--index-url", "https://pypi.mirror/simple")


def test_onnx_gpu_from_pypi_swaps_onnxruntime() -> None:
    kinds = [(s.kind, s.requirements) for s in _plan("onnx-gpu", "2.42.0").steps]
    assert kinds == [
        ("wheel", ()),
        ("uninstall", ("onnxruntime",)),
        ("requirement", ("onnxruntime-gpu",)),
    ]


def test_a_pypi_mirror_keeps_the_requirement_and_says_what_is_checked() -> None:
    plan = _plan("onnx-cpu", "2.42.0", index_url="https://pypi.example/simple/")
    assert plan.wheels == ()
    assert plan.requirements == ("aimet-onnx==2.42.0",)
    assert plan.notes == (
        (
            "pip takes aimet-onnx==2.42.0 from https://pypi.example/simple/; aimetenv checks the "
            "sha256 of PyPI's own files only"
        ),
    )


@pytest.mark.parametrize(
    ("tag", "python", "expected"),
    [
        ("2.0.0", (3, 10), "aimet_torch-2.0.0-cp310-none-any.whl"),
        ("2.1.0", (3, 10), "aimet_torch-2.1.0-cp310-cp310-manylinux_2_34_x86_64.whl"),
        ("1.33.0", (3, 8), "aimet_torch-1.33.0-cp38-cp38-manylinux_2_29_x86_64.whl"),
        ("1.33.0", (3, 10), "aimet_torch-1.33.0-cp310-cp310-manylinux_2_34_x86_64.whl"),
    ],
)
def test_the_pypi_file_is_the_one_pip_would_pick(
    tag: str, python: tuple[int, int], expected: str
) -> None:
    plan = resolve(CATALOG, "torch-gpu", tag, Target(python=python, glibc=(2, 36)),
                   Options(source="pypi"))  # fmt: skip
    assert [w.filename for w in plan.wheels] == [expected]


def test_python_mismatch_says_what_is_needed() -> None:
    with pytest.raises(PythonMismatchError) as caught:
        resolve(CATALOG, "torch-cpu", "1.16.2.py37", Target(python=(3, 10), glibc=(2, 36)))
    assert caught.value.exit_code == 2
    assert caught.value.message == (
        "1.16.2.py37 torch-cpu needs Python 3.7; the requested target is Python 3.10"
    )
    with pytest.raises(PythonMismatchError, match=r"needs Python 3\.10 or newer"):
        resolve(CATALOG, "onnx-cpu", "2.42.0", Target(python=(3, 9), glibc=(2, 36)))
    with pytest.raises(PythonMismatchError, match=r"2\.19\.0 onnx-cpu needs Python 3\.10;"):
        resolve(CATALOG, "onnx-cpu", "2.19.0", Target(python=(3, 11), glibc=(2, 36)))


def test_glibc_floor() -> None:
    with pytest.raises(
        UsageError, match=r"needs glibc 2\.34 or newer; the requested target has glibc 2\.31"
    ):
        resolve(CATALOG, "onnx-cpu", "2.42.0", Target(glibc=(2, 31)))
    with pytest.raises(UsageError, match=r"glibc 2\.32"):
        resolve(CATALOG, "torch-cpu", "1.32.0", Target(glibc=(2, 31)))


def test_manylinux_tag_needs_glibc_even_without_a_floor() -> None:
    with pytest.raises(UsageError) as caught:
        resolve(CATALOG, "torch-gpu", "1.32.2", Target(python=(3, 10), glibc=(2, 31)))
    assert caught.value.code == "glibc-too-old"
    assert "manylinux_2_34" in caught.value.message


def test_other_machine_is_refused() -> None:
    with pytest.raises(UsageError) as caught:
        resolve(CATALOG, "torch-cpu", "1.16.2.py37", Target(glibc=(2, 36), machine="aarch64"))
    assert caught.value.code == "platform-mismatch"
    assert "cp37-cp37m-linux_x86_64" in caught.value.message


def test_auto_source_falls_back_with_a_note() -> None:
    plan = resolve(CATALOG, "torch-gpu", "1.34.0", Target(python=(3, 8), glibc=(2, 36)))
    assert plan.source == "pypi"
    assert plan.source_note is not None
    assert "needs Python 3.10" in plan.source_note
    with pytest.raises(PythonMismatchError):
        resolve(
            CATALOG,
            "torch-gpu",
            "1.34.0",
            Target(python=(3, 8), glibc=(2, 36)),
            Options(source="github"),
        )


def test_source_not_offered() -> None:
    with pytest.raises(UsageError) as caught:
        _plan("torch-cpu", "1.16.2.py37", source="pypi")
    assert caught.value.code == "source-not-offered"


def test_probed_facts_decide() -> None:
    facts = TargetFacts(
        python=(3, 11), machine="x86_64", glibc=(2, 36), origin="probe", executable="/x/python"
    )
    plan = resolve(CATALOG, "onnx-cpu", "2.42.0", Target(facts=facts))
    assert plan.target.origin == "probe"
    with pytest.raises(UsageError, match=r"the target interpreter /x/python is Python 3\.11"):
        resolve(CATALOG, "onnx-cpu", "2.27.0", Target(facts=facts), Options(source="github"))


def test_plan_json_contract() -> None:
    document = _plan("torch-cpu", "1.16.2.py37").to_dict()
    assert document["schema"] == "aimetenv.plan/1"
    assert document["wheels"][0]["filename"].startswith("AimetCommon-")
    assert all({"filename", "url"} <= set(w) for w in document["wheels"])
    assert document["requirements"] == []


def test_describe_python() -> None:
    assert describe_python("==3.7.*") == "3.7"
    assert describe_python(">=3.10") == "3.10 or newer"
    assert describe_python(None) is None


def test_assumed_facts_use_old_abi_flags() -> None:
    assert assumed_facts((3, 7), glibc=(2, 31), machine="x86_64").abiflags == "m"
    assert assumed_facts((3, 8), glibc=(2, 31), machine="x86_64").abiflags == ""


def test_latest_and_a_leading_v_are_said_back_in_the_plan() -> None:
    latest = resolve(CATALOG, "tf-gpu", "latest", Target())
    newest_tf = max(
        (r for r in CATALOG.releases if (v := r.find_variant("tf-gpu")) is not None and v.shipped),
        key=lambda r: r.version,
    )
    assert latest.tag == newest_tf.tag
    assert latest.requested_tag == "latest"
    assert latest.notes[0] == (f"latest = {newest_tf.tag} (the newest release that offers tf-gpu)")
    assert latest.to_dict()["requested_tag"] == "latest"
    typed = resolve(CATALOG, "torch-cpu", "v1.16.2.py37", Target())
    plain = resolve(CATALOG, "torch-cpu", "1.16.2.py37", Target())
    assert typed.notes == ("v1.16.2.py37 = 1.16.2.py37", *plain.notes)
    assert typed.steps == plain.steps
    assert plain.requested_tag is None
    assert plain.to_dict()["requested_tag"] is None


def test_only_quoted_files_skip_the_existence_check() -> None:
    plan = resolve(CATALOG, "torch-gpu", "1.23.0", Target(python=(3, 8), glibc=(2, 36)))
    checked = {w.filename: w.check_exists for w in plan.wheels}
    assert checked == {
        "AimetCommon-torch_gpu_1.23.0-cp38-cp38-linux_x86_64.whl": False,
        "AimetTorch-torch_gpu_1.23.0-cp38-cp38-linux_x86_64.whl": True,
        "Aimet-torch_gpu_1.23.0-cp38-cp38-linux_x86_64.whl": True,
    }
    quoted = next(w for w in plan.wheels if not w.check_exists)
    assert (quoted.confidence, quoted.quoted) == (
        "verified",
        "ISS #1878 https://github.com/qualcomm/aimet/issues/1878",
    )
    assert any(
        n.startswith("2 of the 3 file names of 1.23.0 torch-gpu are inferred") for n in plan.notes
    )


def test_a_source_quoted_file_by_file_plans_no_existence_check() -> None:
    plan = resolve(CATALOG, "torch-gpu", "1.34.0", Target(python=(3, 10), glibc=(2, 36)))
    assert [(w.confidence, w.check_exists) for w in plan.wheels] == [("verified", False)]
    assert not any("inferred" in n for n in plan.notes)
