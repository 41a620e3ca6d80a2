"""Check: the deep-learning frameworks next to AIMET, against the release's pins and each other.

torch and torchvision must come from the same build: a CUDA torchvision next to a CPU torch
imports with ``RuntimeError: operator torchvision::nms does not exist`` while ``pip check`` says
all is well (the PyPI torchvision is a CUDA build; the CPU torch comes from another index).
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.version import InvalidVersion, Version

from aimetenv.catalog.torchpairs import torchvision_for
from aimetenv.doctor.elf import ElfReadError
from aimetenv.doctor.fixes import index_args, pip_install_line
from aimetenv.doctor.importcause import framework_fix, framework_of_library
from aimetenv.doctor.inspect import (
    aimet_package_dirs,
    dist_version,
    shared_objects,
    torch_build,
    torchvision_build,
)
from aimetenv.doctor.loading import load_libraries
from aimetenv.doctor.model import Check, CheckResult, Issue, Status, worst_issue

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext

ID = "framework"
FRAMEWORK_DISTS = (
    "torch",
    "torchvision",
    "torchaudio",
    "onnx",
    "onnxruntime",
    "onnxruntime-gpu",
    "tensorflow",
    "tensorflow-cpu",
    "tensorflow-gpu",
)
# What each AIMET framework needs importable; a tuple lists alternatives.
NEEDS = {
    "torch": (("torch",), ("torchvision",)),
    "onnx": (("onnx",), ("onnxruntime", "onnxruntime-gpu")),
    "tf": (("tensorflow", "tensorflow-cpu", "tensorflow-gpu"),),
}
TORCH_FIND_LINKS = "https://download.pytorch.org/whl/torch_stable.html"
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def same_version(installed: str, pinned: str) -> bool:
    """``1.7.1+cpu`` against the pin ``1.7.1+cpu`` (PEP 440 equality, text as a fallback)."""
    try:
        return Version(installed) == Version(pinned)
    except InvalidVersion:
        return installed == pinned


def torchvision_pairs(torch: str, torchvision: str) -> bool | None:
    """Whether the torchvision release belongs to the torch release (None when unknown).

    torch 1.x pairs with torchvision 0.(x+1) (1.7 - 0.8, 1.13 - 0.14); torch 2.x with
    0.(x+15) (2.1 - 0.16, 2.13 - 0.28).
    """
    try:
        t = Version(torch).release
        v = Version(torchvision).release
    except InvalidVersion:
        return None
    if len(t) < 2 or len(v) < 2 or v[0] != 0:  # noqa: PLR2004  # X.Y: two parts
        return None
    if t[0] == 1:
        return v[1] == t[1] + 1
    if t[0] == 2:  # noqa: PLR2004  # torch 2.x
        return v[1] == t[1] + 15
    return None


def _pip(ctx: DoctorContext, *args: str) -> str:
    python = shlex.quote(str(ctx.target.python))
    return f"{python} -m pip install " + " ".join(shlex.quote(a) for a in args)


def _installed(ctx: DoctorContext) -> dict[str, str]:
    found = {}
    for name in FRAMEWORK_DISTS:
        version = dist_version(ctx.facts, name)
        if version is not None:
            found[name] = version
    return found


def _pin_issues(ctx: DoctorContext, installed: dict[str, str]) -> list[Issue]:
    info = ctx.release()
    issues: list[Issue] = []
    if info is None:
        return issues
    pins = dict(info.plan.pins) if info.plan else {}
    for framework in info.variant.frameworks:
        for alternatives in NEEDS.get(framework, ()):
            if any(name in installed for name in alternatives):
                continue
            name = alternatives[0]
            requirement = f"{name}=={pins[name]}" if name in pins else name
            extra = ("-f", TORCH_FIND_LINKS) if "+" in requirement else ()
            issues.append(
                Issue(
                    Status.FAIL,
                    f"{name} is not installed ({info.summary.tag} {info.summary.variant} needs it)",
                    _pip(ctx, requirement, *extra),
                )
            )
    for name, pinned in pins.items():
        if name not in FRAMEWORK_DISTS or name not in installed:
            continue
        if not same_version(installed[name], pinned):
            issues.append(_outside_pin(ctx, name, installed[name], pinned, info.summary.tag))
    return issues


def _outside_pin(ctx: DoctorContext, name: str, version: str, pinned: str, tag: str) -> Issue:
    """A framework other than the pin: a failure when AIMET's compiled code no longer loads.

    The proof is a real load: the framework is imported in the target, then every AIMET shared
    object that links the framework's libraries is loaded with every symbol bound.
    """
    framework = "torch" if name == "torch" else "tensorflow" if "tensorflow" in name else None
    fix, pin = framework_fix(ctx, framework) if framework else ("", None)
    if pin is None:
        extra = ("-f", TORCH_FIND_LINKS) if "+" in pinned else ()
        fix = _pip(ctx, f"{name}=={pinned}", *extra)
    line = f"{name} {version} is installed; {tag} was built and tested with {pinned}"
    linking = _linking(ctx, framework) if framework else ()
    if not linking:
        return Issue(Status.WARN, line, fix)
    answer = load_libraries(ctx, framework or name, linking)
    document = answer.document
    if document is None or document.get("error"):
        why = answer.problem if document is None else document.get("error")
        return Issue(Status.WARN, f"{line} (import {framework} fails: {why})", fix)
    failed = [(str(p), str(e)) for p, e in document.get("failed") or []]
    if failed:
        path, error = failed[0]
        return Issue(
            Status.FAIL,
            f"{line}, and AIMET's {Path(path).name}, compiled against it, does not load: {error}",
            fix,
        )
    return Issue(
        Status.WARN,
        f"{line}; AIMET's compiled extensions ({len(linking)}) still load with it",
        fix,
    )


def _linking(ctx: DoctorContext, framework: str) -> tuple[str, ...]:
    """The AIMET shared objects that link a library of ``framework`` (libc10.so, ...)."""
    info = ctx.release()
    folders = aimet_package_dirs(ctx.facts, None if info is None else info.site_packages)
    found = []
    for path in shared_objects(folders):
        try:
            needed = ctx.elves.get(path).needed
        except ElfReadError:
            continue
        if any(framework_of_library(soname) == framework for soname in needed):
            found.append(path)
    return tuple(found)


def _build_issues(ctx: DoctorContext, installed: dict[str, str]) -> list[Issue]:
    issues: list[Issue] = []
    if "torch" not in installed or "torchvision" not in installed:
        return issues
    torch = torch_build(ctx.facts)
    vision = torchvision_build(ctx.facts, ctx.elves)
    info = ctx.release()
    torch_variant = info is None or "torch" in info.variant.frameworks
    pair = (
        f"torchvision {installed['torchvision']} ({vision} build) next to torch "
        f"{installed['torch']} ({torch} build)"
    )
    if torch == "cpu" and vision == "cuda":
        if torch_variant:
            status = Status.FAIL
            effect = (
                "import torchvision (and so aimet_torch) dies with "
                "'operator torchvision::nms does not exist'"
            )
        else:
            status = Status.WARN
            effect = "import torchvision would fail; aimet_onnx does not import it, so AIMET works"
        issues.append(
            Issue(
                status,
                f"{pair}: {effect}",
                "Install both from one index, e.g. the CPU builds: "
                + _pip(ctx, "--force-reinstall", "--no-deps", "--index-url", TORCH_CPU_INDEX,
                       f"torch=={installed['torch']}", "torchvision"),
            )
        )  # fmt: skip
    elif torch == "cuda" and vision == "cpu":
        issues.append(
            Issue(
                Status.WARN,
                f"{pair}: torchvision's CUDA operators are missing",
                "Install torchvision from the index torch came from.",
            )
        )
    if torchvision_pairs(installed["torch"], installed["torchvision"]) is False:
        issues.append(
            Issue(
                Status.WARN,
                f"torchvision {installed['torchvision']} does not belong to torch "
                f"{installed['torch']}",
                _pair_fix(ctx, installed["torch"]),
            )
        )
    return issues


def _pair_fix(ctx: DoctorContext, torch: str) -> str:
    """The pip line that installs the torchvision made for ``torch``, from the receipt's index."""
    vision = torchvision_for(torch)
    if vision is None:
        return (
            "Install the torchvision release made for this torch (see "
            "https://github.com/pytorch/vision#installation)."
        )
    args = index_args(ctx.receipt(), "torchvision")
    if not args and "+" in vision:
        args = ("-f", TORCH_FIND_LINKS)
    return pip_install_line(
        str(ctx.target.python), [f"torch=={torch}", f"torchvision=={vision}"], args
    )


def check_framework(ctx: DoctorContext) -> CheckResult:
    """torch/torchvision/onnx/onnxruntime/tensorflow against the pins, and torch against torchvision."""
    installed = _installed(ctx)
    issues = _pin_issues(ctx, installed) + _build_issues(ctx, installed)
    if "onnxruntime" in installed and "onnxruntime-gpu" in installed:
        issues.append(
            Issue(
                Status.WARN,
                "onnxruntime and onnxruntime-gpu are both installed; they share one package "
                "folder and the last one installed wins",
                f"{shlex.quote(str(ctx.target.python))} -m pip uninstall -y onnxruntime "
                "onnxruntime-gpu, then install the one the variant needs",
            )
        )
    info = ctx.release()
    if (
        info is not None
        and "onnx" in info.variant.frameworks
        and info.variant.accelerator == "gpu"
        and "onnxruntime" in installed
        and "onnxruntime-gpu" not in installed
    ):
        issues.append(
            Issue(
                Status.WARN,
                "a gpu variant with the CPU onnxruntime: onnx models will run on the CPU",
                _pip(ctx, "onnxruntime-gpu"),
            )
        )
    facts = dict(installed)
    builds = {
        "torch_build": torch_build(ctx.facts),
        "torchvision_build": torchvision_build(ctx.facts, ctx.elves),
    }
    shown = ", ".join(f"{k} {v}" for k, v in installed.items()) or "no framework installed"
    if not issues:
        return CheckResult(ID, Status.OK, shown, facts={**facts, **builds})
    return worst_issue(ID, issues, facts={**facts, **builds}, lead=(f"installed: {shown}",))


FRAMEWORK = Check(
    ID, "framework versions and builds fit AIMET", check_framework, requires=("interpreter",)
)

__all__ = ["FRAMEWORK", "check_framework", "same_version", "torchvision_pairs"]
