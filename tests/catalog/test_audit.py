"""The facts of the catalog audit, each held against the packaged catalog and what uses it.

Each test names the fact and its source (the same source the catalog's evidence or note cites):
the PyPI file lists, the 1.33.0 wheel METADATA, the 1.27.0 asset list of quic/aimet#2377, the
1.32.0 build rules, the onnxruntime-gpu swap of the install docs and the glibc of the build images.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from packaging.version import Version
from typer.testing import CliRunner

from aimetenv.catalog.load import load_catalog, merge_overlay, parse_catalog
from aimetenv.catalog.names import wheel_fields
from aimetenv.catalog.pypisection import build_section
from aimetenv.catalog.releaseapi import PypiFile
from aimetenv.cli.app import app
from aimetenv.envs.targets import EnvTarget, Origin
from aimetenv.errors import CatalogError, UsageError
from aimetenv.install.actions import install_actions
from aimetenv.install.offline import offline_plan
from aimetenv.install.resolver import Options, Target, resolve
from aimetenv.render.human import release_detail

CATALOG = load_catalog()
HOST = Target(glibc=(2, 36), machine="x86_64")


def _pypi_files(tag: str, variant: str) -> list[str]:
    release = CATALOG.get(tag)
    assert release is not None
    found = release.variants[variant].pypi
    assert found is not None
    return [f.filename for f in found.files]


# A1: PyPI's file list (research A1, PYPI-LINKS) ------------------------------------------------


def test_2_0_0_torch_ships_a_cp310_none_any_file_beside_py38() -> None:
    assert _pypi_files("2.0.0", "torch-gpu") == [
        "aimet_torch-2.0.0-cp310-none-any.whl",
        "aimet_torch-2.0.0-py38-none-any.whl",
    ]


def test_2_1_0_torch_ships_a_cp310_manylinux_2_34_file_beside_py38() -> None:
    assert _pypi_files("2.1.0", "torch-gpu") == [
        "aimet_torch-2.1.0-cp310-cp310-manylinux_2_34_x86_64.whl",
        "aimet_torch-2.1.0-py38-none-any.whl",
    ]


def test_aimet_onnx_2_0_0_has_only_its_cp310_cp310_file() -> None:
    assert _pypi_files("2.0.0", "onnx-gpu") == [
        "aimet_onnx-2.0.0-cp310-cp310-manylinux_2_34_x86_64.whl"
    ]


def test_a_python_3_10_target_gets_the_cp310_file_of_2_1_0() -> None:
    plan = resolve(CATALOG, "torch-gpu", "2.1.0", HOST, Options(source="pypi"))
    assert plan.wheels[0].filename == "aimet_torch-2.1.0-cp310-cp310-manylinux_2_34_x86_64.whl"


# A2: the 1.33.0 PyPI wheels were built for two CUDA versions (wheel METADATA) ------------------


def test_1_33_0_pypi_files_each_say_their_cuda() -> None:
    release = CATALOG.get("1.33.0")
    assert release is not None
    source = release.variants["torch-gpu"].pypi
    assert source is not None
    cuda = {f.filename: f.cuda for f in source.files}
    assert cuda == {
        "aimet_torch-1.33.0-cp310-cp310-manylinux_2_34_x86_64.whl": "12.1",
        "aimet_torch-1.33.0-cp38-cp38-manylinux_2_29_x86_64.whl": "11.8",
    }
    assert source.note is not None
    assert "cumm-cu120" in source.note
    assert "cumm-cu118" in source.note


@pytest.mark.parametrize(("python", "cuda"), [((3, 10), "12.1"), ((3, 8), "11.8")])
def test_the_plan_says_the_cuda_of_the_1_33_0_file_it_picks(
    python: tuple[int, int], cuda: str
) -> None:
    target = Target(python=python, glibc=(2, 36), machine="x86_64")
    plan = resolve(CATALOG, "torch-gpu", "1.33.0", target, Options(source="pypi"))
    assert plan.cuda == cuda
    assert plan.to_dict()["cuda"] == cuda


def test_the_release_host_build_of_1_33_0_keeps_its_own_cuda() -> None:
    plan = resolve(CATALOG, "torch-gpu", "1.33.0", HOST, Options(source="github"))
    assert plan.cuda == "11.8"


def test_the_generator_writes_the_cuda_of_those_files() -> None:
    def item(name: str) -> PypiFile:
        return PypiFile(
            filename=name,
            url=f"https://files.example/{name}",
            size=10,
            sha256="0" * 64,
            requires_python=">=3.8",
            uploaded="2024-08-09T22:48:11.000000Z",
            yanked=False,
            yanked_reason=None,
        )

    names = (
        "aimet_torch-1.33.0-cp310-cp310-manylinux_2_34_x86_64.whl",
        "aimet_torch-1.33.0-cp38-cp38-manylinux_2_29_x86_64.whl",
        "aimet_torch-1.34.0-cp310-cp310-manylinux_2_34_x86_64.whl",
    )
    section = build_section(
        {"aimet-torch": {"1.33.0": [item(n) for n in names[:2]], "1.34.0": [item(names[2])]}},
        index="https://pypi.example/pypi",
    )
    files = {
        f["file"]: f.get("cuda")
        for r in section["releases"]
        for f in r["projects"]["aimet-torch"]["files"]
    }
    assert files == {names[0]: "12.1", names[1]: "11.8", names[2]: None}


def test_a_file_cuda_that_is_not_x_y_is_refused_with_its_place() -> None:
    text = (Path(__file__).parents[2] / "src/aimetenv/data/catalog.yaml").read_text()
    broken = text.replace("          cuda: '12.1'\n", "          cuda: twelve\n", 1)
    assert broken != text
    with pytest.raises(CatalogError, match=r"release '1\.33\.0'.*\.cuda"):
        parse_catalog(broken, "catalog.yaml")


# A3: no AimetTorch wheels among the 1.27.0 assets (quic/aimet#2377) ----------------------------


@pytest.mark.parametrize("variant", ["torch-gpu", "torch-cpu"])
def test_1_27_0_torch_variants_are_refused_with_reason_and_source(variant: str) -> None:
    with pytest.raises(UsageError) as caught:
        resolve(CATALOG, variant, "1.27.0", HOST)
    error = caught.value
    assert error.code == "variant-not-shipped"
    assert f"release 1.27.0 does not offer {variant}" in error.message
    assert "no AimetTorch wheels" in error.message
    assert "https://github.com/qualcomm/aimet/issues/2377" in error.message
    assert error.hint == "Release 1.27.0 offers: tf-gpu, tf-cpu."


@pytest.mark.parametrize("command", ["resolve", "install", "download"])
def test_commands_refuse_1_27_0_torch_before_fetching(command: str, tmp_path: Path) -> None:
    args = [command, "--variant", "torch-gpu", "--tag", "1.27.0"]
    if command == "install":
        args += ["--venv", str(tmp_path / "env")]
    if command == "download":
        args += ["-d", str(tmp_path / "wheels")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "ISS #2377" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "env").exists()
    assert not (tmp_path / "wheels").exists()


def test_the_tf_variants_of_1_27_0_stay_offered() -> None:
    plan = resolve(CATALOG, "tf-cpu", "1.27.0", HOST)
    assert all(w.quoted for w in plan.wheels)


def test_a_reason_on_a_shipped_variant_is_refused() -> None:
    text = (Path(__file__).parents[2] / "src/aimetenv/data/catalog.yaml").read_text()
    broken = text.replace(
        "    tf-cpu:\n      github:\n        wheels:\n        - file: AimetCommon-tf_cpu_1.27.0",
        "    tf-cpu:\n      reason: why\n      github:\n        wheels:\n"
        "        - file: AimetCommon-tf_cpu_1.27.0",
        1,
    )
    assert broken != text
    with pytest.raises(CatalogError, match=r"variants\.tf-cpu\.reason"):
        parse_catalog(broken, "catalog.yaml")


# A4: the 1.32.0 build appends +cuXY / +cpu (GIT 1.32.0 packaging/setup.py.in) ------------------


def test_1_32_0_names_carry_the_local_version_and_are_inferred() -> None:
    release = CATALOG.get("1.32.0")
    assert release is not None
    expected = {
        "torch-gpu": "aimet_torch_gpu-1.32.0+cu117",
        "torch-cpu": "aimet_torch_cpu-1.32.0+cpu",
        "torch-gpu-pt21": "aimet_torch_gpu_pt21-1.32.0+cu118",
        "torch-cpu-pt21": "aimet_torch_cpu_pt21-1.32.0+cpu",
        "tf-gpu": "aimet_tf_gpu-1.32.0+cu118",
        "tf-cpu": "aimet_tf_cpu-1.32.0+cpu",
        "onnx-gpu": "aimet_onnx_gpu-1.32.0+cu117",
        "onnx-cpu": "aimet_onnx_cpu-1.32.0+cpu",
    }
    for vid, stem in expected.items():
        source = release.variants[vid].github
        assert source is not None
        (wheel,) = source.wheels
        assert wheel.filename == f"{stem}-cp310-cp310-manylinux_2_34_x86_64.whl"
        assert wheel_fields(wheel.filename) is not None
        assert not wheel.verified
        assert source.confidence == "inferred"
        assert "setup.py.in" in source.evidence
        assert source.note is not None
        assert "'.'" in source.note


def test_install_asks_the_host_for_a_1_32_0_file_before_relying_on_it() -> None:
    plan = resolve(CATALOG, "torch-gpu-pt21", "1.32.0", HOST)
    (wheel,) = plan.wheels
    assert wheel.check_exists
    assert wheel.url.endswith("/1.32.0/aimet_torch_gpu_pt21-1.32.0%2Bcu118-cp310-cp310-"
                              "manylinux_2_34_x86_64.whl")  # fmt: skip


# A5: torch GPU packages swap onnxruntime for onnxruntime-gpu (install docs at each tag) ----------

SWAPS = [
    ("1.25.0", "torch-gpu", "onnxruntime-gpu==1.13.1"),
    ("1.26.0", "torch-gpu", "onnxruntime-gpu==1.10.0"),
    ("1.26.1", "torch-gpu-pt113", "onnxruntime-gpu==1.10.0"),
    ("1.28.0", "torch-gpu", "onnxruntime-gpu==1.11.0"),
    ("1.29.0", "torch-gpu-pt19", "onnxruntime-gpu==1.11.0"),
    ("1.30.0", "torch-gpu", "onnxruntime-gpu==1.15.1"),
    ("1.31.2", "torch-gpu-pt21", "onnxruntime-gpu==1.15.1"),
    ("1.32.0", "torch-gpu", "onnxruntime-gpu==1.15.1"),
    ("1.33.5", "torch-gpu-pt113", "onnxruntime-gpu==1.15.1"),
    ("1.34.0", "torch-gpu", "onnxruntime-gpu==1.18.1"),
]


@pytest.mark.parametrize(("tag", "variant", "swap"), SWAPS)
def test_the_plan_replaces_onnxruntime_after_aimet(tag: str, variant: str, swap: str) -> None:
    plan = resolve(CATALOG, variant, tag, HOST, Options(source="github"))
    kinds = [(s.kind, s.requirements) for s in plan.steps]
    assert kinds[-2:] == [("uninstall", ("onnxruntime",)), ("requirement", (swap,))]
    assert [k for k, _ in kinds].index("uninstall") > max(
        i for i, (k, _) in enumerate(kinds) if k == "wheel"
    )
    assert any("Replace onnxruntime with onnxruntime-gpu" in n for n in plan.notes)


def test_the_swap_follows_the_pin_the_docs_mean_by_onnxruntime_ver() -> None:
    for release in CATALOG.releases:
        if not Version("1.27") <= release.version < Version("1.35"):
            continue
        for variant in release.variants.values():
            source = variant.github
            if source is None or not source.replace:
                continue
            assert source.replace == {
                "onnxruntime": f"onnxruntime-gpu=={source.pins['onnxruntime']}"
            }


def test_only_the_torch_gpu_packages_swap() -> None:
    for release in CATALOG.releases:
        for variant in release.variants.values():
            if variant.github is not None and variant.github.replace:
                assert (variant.framework, variant.accelerator) == ("torch", "gpu"), (
                    release.tag,
                    variant.id,
                )


def test_install_runs_the_swap_in_the_new_env_after_the_aimet_wheels() -> None:
    plan = resolve(CATALOG, "torch-gpu", "1.28.0", HOST)
    prefix = Path("/envs/aimet")
    target = EnvTarget(
        "venv",
        prefix / "bin/python",
        "--venv given",
        Origin.VENV_GIVEN,
        prefix=prefix,
        exists=False,
    )
    actions = install_actions(
        plan,
        target,
        base_interpreter=Path("/usr/bin/python3.8"),
        wheel_path=lambda w: Path("/cache") / w.filename,
    )
    pips = [a.argv for a in actions if a.kind == "pip"]
    python = str(prefix / "bin/python")
    assert pips[-2][:4] == (python, "-m", "pip", "uninstall")
    assert pips[-2][-1] == "onnxruntime"
    assert pips[-1][:4] == (python, "-m", "pip", "install")
    assert pips[-1][-1] == "onnxruntime-gpu==1.11.0"
    assert "/cache/Aimet-torch_gpu_1.28.0-cp38-cp38-linux_x86_64.whl" in pips[-3]


# A6: glibc floors of 1.16.1 - 1.21.0 (Ubuntu 18.04 build images; quic/aimet#752) --------------

FLOORED = [r.tag for r in CATALOG.releases if Version("1.16.1") <= r.version <= Version("1.21.0")]


def test_the_floored_releases_are_every_1_16_1_to_1_21_0_tag() -> None:
    assert FLOORED == [
        "1.16.1", "1.16.1.py37", "1.16.2", "1.16.2.py37", "1.17.0", "1.17.0.py37",
        "1.18.0", "1.18.0.py37", "1.19.1", "1.19.1.py37", "1.20.0", "1.21.0",
    ]  # fmt: skip


@pytest.mark.parametrize("tag", FLOORED)
def test_glibc_2_27_with_its_evidence(tag: str) -> None:
    release = CATALOG.get(tag)
    assert release is not None
    assert release.glibc == "2.27"
    assert release.note is not None
    assert "ISS #752" in release.note
    if tag == "1.17.0":
        assert "verified" in release.note
        assert "GLIBC_2.27" in release.note
    else:
        assert "inferred" in release.note
    for variant in release.variants.values():
        for source in (variant.github, variant.pypi):
            if source is not None:
                assert source.glibc == "2.27"


def test_an_older_glibc_is_refused_for_1_17_0() -> None:
    old = Target(glibc=(2, 23), machine="x86_64")
    with pytest.raises(UsageError, match=r"needs glibc 2\.27 or newer.*glibc 2\.23"):
        resolve(CATALOG, "torch-cpu", "1.17.0", old)


@pytest.mark.parametrize("tag", ["1.13.0", "1.14.0", "1.16.0"])
def test_the_earliest_releases_have_no_floor_without_evidence(tag: str) -> None:
    release = CATALOG.get(tag)
    assert release is not None
    assert release.glibc is None
    plan = resolve(CATALOG, "tf-torch-gpu", tag, Target(glibc=(2, 23), machine="x86_64"))
    assert plan.glibc_floor is None


def test_the_packaged_catalog_names_no_key_twice() -> None:
    """YAML keeps the last of two equal keys silently; an audit note must not hide another."""

    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[object, object]:
        keys = [loader.construct_object(k) for k, _ in node.value]
        twice = sorted({str(k) for k in keys if keys.count(k) > 1})
        assert not twice, f"{twice} twice at {node.start_mark}"
        return yaml.SafeLoader.construct_mapping(loader, node)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    text = (Path(__file__).parents[2] / "src/aimetenv/data/catalog.yaml").read_text()
    assert yaml.load(text, Strict)  # noqa: S506  # a SafeLoader subclass


def test_releases_tag_shows_the_cuda_of_each_1_33_0_pypi_file_and_the_swap() -> None:
    release = CATALOG.get("1.33.0")
    assert release is not None
    text = release_detail(CATALOG, release).plain
    assert "aimet_torch-1.33.0-cp310-cp310-manylinux_2_34_x86_64.whl: CUDA 12.1" in text
    assert "aimet_torch-1.33.0-cp38-cp38-manylinux_2_29_x86_64.whl: CUDA 11.8" in text
    assert "then onnxruntime-gpu==1.15.1 replaces onnxruntime" in text


def test_an_overlay_keeps_the_reason_and_checks_its_own() -> None:
    kept = merge_overlay(
        CATALOG,
        "schema: 1\nreleases:\n- tag: 1.27.0\n  variants:\n    torch-gpu:\n      cuda: '11.0'\n",
        "overlay.yaml",
    )
    release = kept.get("1.27.0")
    assert release is not None
    reason = release.variants["torch-gpu"].reason
    assert reason is not None
    assert "ISS #2377" in reason
    with pytest.raises(CatalogError, match=r"torch-gpu\.reason: expected a non-empty string"):
        merge_overlay(
            CATALOG,
            "schema: 1\nreleases:\n- tag: 1.27.0\n  variants:\n    torch-gpu:\n      reason: ''\n",
            "overlay.yaml",
        )


def test_releases_tag_json_has_the_reason_and_the_cuda_of_each_file() -> None:
    refused = json.loads(CliRunner().invoke(app, ["releases", "1.27.0", "--json"]).stdout)
    variants = {v["id"]: v for v in refused["variants"]}
    assert variants["torch-gpu"]["shipped"] is False
    assert "ISS #2377" in variants["torch-gpu"]["reason"]
    assert variants["tf-gpu"]["reason"] is None
    pypi = json.loads(CliRunner().invoke(app, ["releases", "1.33.0", "--json"]).stdout)
    torch = next(v for v in pypi["variants"] if v["id"] == "torch-gpu")
    assert torch["pypi"]["cuda_by_file"] == {
        "aimet_torch-1.33.0-cp310-cp310-manylinux_2_34_x86_64.whl": "12.1",
        "aimet_torch-1.33.0-cp38-cp38-manylinux_2_29_x86_64.whl": "11.8",
    }
    assert torch["github"]["cuda_by_file"] == {}


def test_a_wheelhouse_without_dependencies_takes_the_swap_from_the_index(tmp_path: Path) -> None:
    """Without --with-deps the wheelhouse holds the AIMET files only; onnxruntime-gpu is a
    dependency like the others and comes from the index (pip's own, or --index-url)."""
    plan = resolve(CATALOG, "torch-gpu", "1.28.0", HOST)
    kept = offline_plan(plan, tmp_path, dependencies=False)
    swap = kept.steps[-1]
    assert swap.requirements == ("onnxruntime-gpu==1.11.0",)
    assert "--no-index" not in swap.pip_args
    assert swap.pip_args == ("--find-links", str(tmp_path))
    full = offline_plan(plan, tmp_path)
    assert full.steps[-1].pip_args == ("--no-index", "--find-links", str(tmp_path))
