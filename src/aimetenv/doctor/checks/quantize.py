"""Check (``--deep``): a tiny real quantization on the CPU, compared with fp32.

torch: Linear(8,16)-ReLU-Linear(16,4) through ``aimet_torch.quantsim.QuantizationSimModel``
(8-bit parameters and outputs). onnx: a Gemm-Relu-Gemm graph built with onnx.helper through
``aimet_onnx.quantsim.QuantizationSimModel`` (int8) on the CPUExecutionProvider. Both compute
encodings on one batch, run it, and report the largest absolute difference from fp32.
"""

from __future__ import annotations

import math
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

from aimetenv.doctor.inspect import dist_version
from aimetenv.doctor.loading import quantize
from aimetenv.doctor.model import Check, CheckResult, Status

if TYPE_CHECKING:
    from aimetenv.doctor.context import DoctorContext
    from aimetenv.doctor.loading import Answer

ID = "quantize"
RELATIVE_TOLERANCE = 0.1
"""8-bit quantization of a two-layer model stays within a few percent of the output range."""
_NEEDS = {"torch": ("torch",), "onnx": ("onnx", "onnxruntime")}


def check_quantize(ctx: DoctorContext) -> CheckResult:  # noqa: PLR0911  # one return per verdict
    """Quantize a two-layer model with AIMET and compare the result with fp32."""
    info = ctx.release()
    frameworks = info.variant.frameworks if info else ()
    framework = next((f for f in ("torch", "onnx") if f in frameworks), None)
    if framework is None:
        what = info.summary.variant if info else "an unknown release"
        return CheckResult(
            ID, Status.SKIP, f"no tiny quantization for {what} (torch and onnx only)"
        )
    absent = [
        name
        for name in _NEEDS[framework]
        if dist_version(ctx.facts, name) is None
        and not (name == "onnxruntime" and dist_version(ctx.facts, "onnxruntime-gpu"))
    ]
    if absent:
        return CheckResult(ID, Status.SKIP, f"{', '.join(absent)} is not installed")
    answer = quantize(ctx, framework)
    document = answer.document
    if document is None:
        if answer.signal is not None:
            return _crashed(ctx, framework, answer)
        return CheckResult(
            ID,
            Status.FAIL,
            f"the interpreter running the tiny {framework} quantization {answer.problem}",
            hint="Run the package-import check first; a failure here usually follows one there.",
            details=answer.output_tail,
        )
    if not document.get("ok"):
        return CheckResult(
            ID,
            Status.FAIL,
            f"the tiny {framework} quantization fails: {document.get('error')}",
            hint=f"Reinstall the release: {ctx.reinstall_command()}",
            details=tuple(str(line) for line in document.get("traceback") or ()),
        )
    diff = float(document.get("max_abs_diff", math.nan))
    scale = float(document.get("reference_max", math.nan))
    facts = {
        "framework": framework,
        "max_abs_diff": diff,
        "reference_max": scale,
        "seconds": document.get("seconds"),
        "api": document.get("api"),
    }
    shown = f"max |fp32 - quantized| = {diff:.4g} (outputs up to {scale:.4g})"
    if not math.isfinite(diff):
        return CheckResult(
            ID,
            Status.FAIL,
            f"the tiny {framework} quantization gives non-finite outputs",
            hint="Report it with 'aimetenv doctor --deep -v'; a broken libpymo is the usual cause.",
            facts=facts,
        )
    if diff > RELATIVE_TOLERANCE * max(scale, 1e-6):
        return CheckResult(
            ID,
            Status.WARN,
            f"{shown}: more than {RELATIVE_TOLERANCE:.0%} of the output range",
            hint="Check that the native libpymo loads (libpymo check); a stub gives odd numbers.",
            facts=facts,
        )
    return CheckResult(ID, Status.OK, f"{framework}: {shown}", facts=facts)


_VERSIONS = ("torch", "torchvision", "onnx", "onnxruntime", "onnxruntime-gpu", "numpy",
             "tensorflow", "tensorflow-cpu", "tensorflow-gpu")  # fmt: skip


def _crashed(ctx: DoctorContext, framework: str, answer: Answer) -> CheckResult:
    """Native code killed the interpreter: the signal, what was loaded, the versions."""
    versions = [
        f"{name} {dist_version(ctx.facts, name)}"
        for name in _VERSIONS
        if dist_version(ctx.facts, name) is not None
    ]
    loaded = answer.native_loaded
    last = f"; the last native module loaded was {Path(loaded[-1]).name}" if loaded else ""
    shown = ", ".join(versions) or "no framework installed"
    flags = " ".join(shlex.quote(f) for f in ctx.target_flags)
    command = f"aimetenv doctor {flags} --check requirements".replace("  ", " ")
    return CheckResult(
        ID,
        Status.FAIL,
        f"the tiny {framework} quantization crashed: the interpreter {answer.problem} "
        f"with {shown}{last}",
        hint="A crash in native code usually means versions that do not fit each other: the "
        f"requirements check compares them with what AIMET declares ({command}).",
        details=(
            f"versions: {shown}",
            f"native modules loaded ({len(loaded)}): {', '.join(loaded) or 'none reported'}",
            *answer.output_tail,
        ),
        facts={
            "framework": framework,
            "signal": answer.signal,
            "native_loaded": loaded,
            "versions": tuple(versions),
        },
    )


QUANTIZE = Check(
    ID,
    "a tiny quantization runs on the CPU (--deep)",
    check_quantize,
    requires=("package-import",),
    opt_in=True,
)

__all__ = ["QUANTIZE", "RELATIVE_TOLERANCE", "check_quantize"]
