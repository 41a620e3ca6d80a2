"""The programs ``--deep`` runs inside the target interpreter, and how their answers are read.

A tiny quantization on the CPU, torch or onnx flavour (the imports and the libpymo load are the
install smoke test's, ``aimetenv.install.smoke``). Each program prints one JSON document between two
random cookie lines given on its command line (``aimetenv.envs.snippet``), so whatever the
imported packages print (AIMET prints warnings to stdout) cannot corrupt the answer. The programs
run on Python 3.6 and newer.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aimetenv.envs.snippet import read_framed

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aimetenv.doctor.context import DoctorContext
    from aimetenv.runner import Completed

_PRELUDE = r"""
import json, sys, time, traceback
BEGIN, END = sys.argv[1], sys.argv[2]


def answer(document):
    sys.stdout.write("\n" + BEGIN + "\n" + json.dumps(document) + "\n" + END + "\n")
    sys.stdout.flush()


def failure(error):
    # The frames of this program and of importlib say nothing about the user's problem.
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith("<") and "importlib" not in frame.filename
    ]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(error), error)
    text = "".join(lines).rstrip().splitlines()
    return {
        "ok": False,
        "error_type": type(error).__name__,
        "error": ("%s: %s" % (type(error).__name__, error)).strip(),
        "traceback": text[-12:],
    }
"""

_QUANTIZE_TORCH = r"""
def run():
    import torch
    from aimet_torch.quantsim import QuantizationSimModel
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 4)
    ).eval()
    x = torch.randn(4, 8)
    with torch.no_grad():
        reference = model(x)
    sim = QuantizationSimModel(model, dummy_input=x, default_param_bw=8, default_output_bw=8)

    def forward(m, *_):
        with torch.no_grad():
            m(x)

    try:
        sim.compute_encodings(forward)
    except TypeError:
        sim.compute_encodings(forward, None)
    with torch.no_grad():
        quantized = sim.model(x)
    diff = float((reference - quantized).abs().max())
    return {"max_abs_diff": diff, "reference_max": float(reference.abs().max()),
            "api": "aimet_torch.quantsim.QuantizationSimModel"}
"""

_QUANTIZE_ONNX = r"""
def run():
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    import onnxruntime as ort
    from aimet_onnx.quantsim import QuantizationSimModel
    rng = np.random.RandomState(0)
    w1 = numpy_helper.from_array(rng.randn(8, 16).astype(np.float32), "w1")
    b1 = numpy_helper.from_array(rng.randn(16).astype(np.float32), "b1")
    w2 = numpy_helper.from_array(rng.randn(16, 4).astype(np.float32), "w2")
    b2 = numpy_helper.from_array(rng.randn(4).astype(np.float32), "b2")
    graph = helper.make_graph(
        [
            helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1"),
            helper.make_node("Relu", ["h"], ["r"], name="relu"),
            helper.make_node("Gemm", ["r", "w2", "b2"], ["y"], name="fc2"),
        ],
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 4])],
        [w1, b1, w2, b2],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    x = rng.randn(4, 8).astype(np.float32)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    reference = session.run(None, {"x": x})[0]
    try:
        sim = QuantizationSimModel(model, param_type="int8", activation_type="int8",
                                   providers=["CPUExecutionProvider"])
        sim.compute_encodings([{"x": x}])
        api = "QuantizationSimModel(param_type=, activation_type=)"
    except TypeError:
        sim = QuantizationSimModel(model, dummy_input={"x": x}, default_param_bw=8,
                                   default_activation_bw=8)
        sim.compute_encodings(lambda s, _: s.run(None, {"x": x}), None)
        api = "QuantizationSimModel(default_param_bw=, default_activation_bw=)"
    quantized = sim.session.run(None, {"x": x})[0]
    diff = float(np.abs(reference - quantized).max())
    return {"max_abs_diff": diff, "reference_max": float(np.abs(reference).max()), "api": api}
"""

_QUANTIZE_MAIN = r"""
import importlib.machinery

_CREATE = importlib.machinery.ExtensionFileLoader.create_module


def _create(self, spec):
    # One line per native module loaded, flushed at once: if native code kills the
    # interpreter, these lines are what is left to say which modules were in the process.
    module = _CREATE(self, spec)
    sys.stdout.write("\n" + BEGIN + "-native " + str(getattr(spec, "origin", "")) + "\n")
    sys.stdout.flush()
    return module


importlib.machinery.ExtensionFileLoader.create_module = _create


def main():
    start = time.time()
    try:
        document = run()
        document["ok"] = True
    except BaseException as error:
        document = failure(error)
    document["seconds"] = round(time.time() - start, 3)
    answer(document)


main()
"""

_DIAGNOSE_IMPORT = r"""
import importlib, importlib.machinery, os, site

_FAILED = []
_CREATE = importlib.machinery.ExtensionFileLoader.create_module


def _create(self, spec):
    # Which extension module failed to load: its PyInit (NumPy's import_array(), a missing
    # symbol) raises without naming the file.
    try:
        return _CREATE(self, spec)
    except BaseException as error:
        _FAILED.append((getattr(spec, "origin", None) or self.path, str(error)))
        raise


importlib.machinery.ExtensionFileLoader.create_module = _create


def main():
    document = {"ok": True}
    for name in sys.argv[3:]:
        try:
            importlib.import_module(name)
        except BaseException as error:
            document = failure(error)
            document["module"] = name
            document["missing_name"] = getattr(error, "name", None)
            document["path"] = getattr(error, "path", None)
            same = [path for path, text in _FAILED if text == str(error)]
            document["extension"] = (same or [path for path, _ in _FAILED] or [None])[-1]
            document["files"] = [
                frame.filename
                for frame in traceback.extract_tb(error.__traceback__)
                if not frame.filename.startswith("<")
            ]
            break
    try:
        document["user_site"] = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    except Exception:
        document["user_site"] = None
    answer(document)
    os._exit(0)


main()
"""

_LOAD_LIBRARIES = r"""
import ctypes, importlib, os


def main():
    try:
        importlib.import_module(sys.argv[3])
    except BaseException as error:
        answer(failure(error))
        os._exit(0)
    failed = []
    for path in sys.argv[4:]:
        try:
            ctypes.CDLL(path)  # RTLD_NOW: every symbol is bound, as an import binds them
        except OSError as error:
            failed.append([path, str(error)])
    answer({"ok": not failed, "failed": failed})
    os._exit(0)


main()
"""

QUANTIZE_PROGRAMS = {
    "torch": _PRELUDE + _QUANTIZE_TORCH + _QUANTIZE_MAIN,
    "onnx": _PRELUDE + _QUANTIZE_ONNX + _QUANTIZE_MAIN,
}


@dataclass(frozen=True)
class Answer:
    """What a program said, or why it said nothing usable."""

    document: Mapping[str, Any] | None
    completed: Completed
    problem: str | None = None
    """Set when there is no document: a time-out, a crash of the interpreter, garbage."""
    output_tail: tuple[str, ...] = field(default=())
    signal: int | None = None
    """The signal that killed the interpreter, if one did."""
    native_loaded: tuple[str, ...] = ()
    """The native modules the program reported loading, in order (programs that report them)."""

    @property
    def ok(self) -> bool:
        """The program ran and reported success."""
        return self.document is not None and bool(self.document.get("ok"))


def read_answer(completed: Completed, begin: str, end: str) -> Answer:
    """The JSON document between the cookies, or the reason there is none."""
    tail = tuple(completed.tail(12).splitlines())
    marker = begin + "-native "
    native = tuple(
        line[len(marker) :] for line in completed.stdout.splitlines() if line.startswith(marker)
    )
    framed = read_framed(completed, begin, end)
    if framed.problem == "timed-out":
        seconds = completed.command.timeout or 0
        return Answer(None, completed, f"did not finish within {seconds:.0f} s", tail)
    if isinstance(framed.data, dict):
        return Answer(framed.data, completed, None, tail, native_loaded=native)
    if completed.returncode < 0:
        number = -completed.returncode
        problem = f"was killed by {signal_name(number)}"
        return Answer(None, completed, problem, tail, signal=number, native_loaded=native)
    problem = f"ended with exit status {completed.returncode} and no answer"
    return Answer(None, completed, problem, tail, native_loaded=native)


_SIGNAL_WORDS = {
    "SIGSEGV": "a segmentation fault",
    "SIGABRT": "an abort",
    "SIGILL": "an illegal instruction",
    "SIGBUS": "a bus error",
    "SIGFPE": "an arithmetic error",
    "SIGKILL": "killed from outside, often by the out-of-memory killer",
}


def signal_name(number: int) -> str:
    """``SIGSEGV (signal 11, a segmentation fault)``."""
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
    words = _SIGNAL_WORDS.get(name)
    return f"{name} (signal {number}, {words})" if words else f"{name} (signal {number})"


def run_program(
    ctx: DoctorContext,
    program: str,
    *args: str,
    timeout: float,
    env: Mapping[str, str | None] | None = None,
) -> Answer:
    """Run one program in the target, as the user would (plus ``env``), and read its answer."""
    snippet = ctx.snippet(program, *args, tag="DOCTOR", timeout=timeout, env=env)
    completed = ctx.runner.run(snippet.command)
    return read_answer(completed, snippet.begin, snippet.end)


def diagnose_import(ctx: DoctorContext, packages: tuple[str, ...]) -> Answer:
    """Import ``packages`` again and say where it failed: the file, the extension, the frames."""
    program = _PRELUDE + _DIAGNOSE_IMPORT
    return run_program(ctx, program, *packages, timeout=ctx.settings.import_timeout)


def load_libraries(ctx: DoctorContext, module: str, paths: tuple[str, ...]) -> Answer:
    """Import ``module`` (the framework), then load each shared object in ``paths`` for real."""
    program = _PRELUDE + _LOAD_LIBRARIES
    return run_program(ctx, program, module, *paths, timeout=ctx.settings.native_timeout)


def quantize(ctx: DoctorContext, framework: str) -> Answer:
    """Run the tiny quantization for ``framework`` (``torch`` or ``onnx``) in the target."""
    return run_program(ctx, QUANTIZE_PROGRAMS[framework], timeout=ctx.settings.deep_timeout)


__all__ = [
    "QUANTIZE_PROGRAMS",
    "Answer",
    "diagnose_import",
    "load_libraries",
    "quantize",
    "read_answer",
    "run_program",
    "signal_name",
]
