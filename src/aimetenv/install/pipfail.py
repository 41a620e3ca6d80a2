"""What a failed pip or uv step means, read from the end of its output.

Two failures get a message of their own instead of pip's last lines:

- **the network**: pip and uv retry a host that does not answer and then report only that no
  version was found (pip names the host only in its retry warnings, and not at all with
  ``--retries 0``). When the output shows a connection error, or pip found no version at all,
  the host is taken from the output or, failing that, each index and find-links host of the step
  is tried again; one that does not answer becomes a ``NetworkError`` (exit 3) naming host:port
  and the option that replaces it. An index that answers but lacks the package stays an install
  failure.
- **a resolution conflict**: pip's ``ResolutionImpossible`` (with its "The conflict is caused
  by" lines), uv's "No solution found", or a requirement no version satisfies become one line
  with the conflicting requirements. For the conflicts AIMET users are known to hit (a
  torchvision built for another torch, ``numpy<2`` against NumPy 2, aimet-onnx's onnxruntime
  floor) the hint is the fix.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aimetenv.errors import AimetenvError, InstallError, NetworkError
from aimetenv.install.preflight import Host, first_unreachable

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

_NETWORK = re.compile(
    r"NewConnectionError|ConnectTimeoutError|ReadTimeoutError|Max retries exceeded|"
    r"ConnectionError|ProtocolError|SSLError|Connection refused|Connection reset|"
    r"Name or service not known|Temporary failure in name resolution|Could not fetch URL|"
    r"tcp connect error|dns error|operation timed out|error sending request for url|"
    r"Request failed after",
    re.IGNORECASE,
)
_REASONS = (
    (re.compile(r"Connection refused", re.IGNORECASE), "refused the connection"),
    (
        re.compile(
            r"Name or service not known|name resolution|dns error|failed to lookup", re.IGNORECASE
        ),
        "cannot be found (its name does not resolve)",
    ),
    (re.compile(r"timed out|Timeout", re.IGNORECASE), "did not answer in time"),
    (re.compile(r"SSL|certificate", re.IGNORECASE), "did not complete the TLS handshake"),
)
_HOST_PORT = re.compile(r"host='([^']+)', port=(\d+)")
_URL = re.compile(r"(https?)://([^\s/:'`\"()]+)(?::(\d+))?")
_NO_VERSIONS = "(from versions: none)"

_CANNOT = re.compile(r"ERROR: Cannot install (.+?) because these package versions have")
_UNSATISFIED = re.compile(
    r"Could not find a version that satisfies the requirement (\S+)(?: \(from ([^)]+)\))? "
    r"\(from versions: ([^)]+)\)"
)
_UV_CONFLICT = "No solution found when resolving dependencies"


def explain(
    output: str,
    hosts: Sequence[Host],
    *,
    tool: str,
    probe: Callable[[Sequence[Host]], tuple[Host, str] | None] = first_unreachable,
) -> AimetenvError | None:
    """The error a failed step's ``output`` means, or None when it is none of the known kinds.

    ``hosts`` are the step's index and find-links hosts (``preflight.hosts_to_check``);
    ``probe`` tries them again when the output does not name the host that failed.
    """
    return _network(output, hosts, tool, probe) or _conflict(output, tool)


# -- the network -----------------------------------------------------------------------------


def _network(
    output: str,
    hosts: Sequence[Host],
    tool: str,
    probe: Callable[[Sequence[Host]], tuple[Host, str] | None],
) -> NetworkError | None:
    evidence = [line for line in output.splitlines() if _NETWORK.search(line)]
    if not evidence and _NO_VERSIONS not in output:
        return None
    found = _named(evidence, hosts) or probe(hosts)
    if found is None:
        if not evidence or not hosts:
            return None
        reason = _reason(evidence)
        found = (hosts[0], reason) if len(hosts) == 1 else None
        if found is None:
            addresses = " or ".join(h.address for h in hosts)
            return NetworkError(
                f"{tool} could not reach {addresses}: one of them {reason}",
                hint="Check the network (proxy settings come from HTTPS_PROXY), then run the "
                f"command again. {hosts[0].option}.",
                code="installer-network",
            )
    host, answer = found
    return NetworkError(
        f"{tool} could not reach {host.address} ({host.role}), which {answer}",
        hint="Check the network (proxy settings come from HTTPS_PROXY), then run the command "
        f"again. {host.option}.",
        code="installer-network",
    )


def _reason(evidence: Sequence[str]) -> str:
    text = "\n".join(evidence)
    for pattern, words in _REASONS:
        if pattern.search(text):
            return words
    return "dropped the connection"


def _named(evidence: Sequence[str], hosts: Sequence[Host]) -> tuple[Host, str] | None:
    """The host the output names in a connection error, with what happened to it."""
    for line in evidence:
        match = _HOST_PORT.search(line)
        if match is not None:
            name, port = match.group(1), int(match.group(2))
        else:
            url = _URL.search(line)
            if url is None:
                continue
            name = url.group(2)
            port = int(url.group(3) or (443 if url.group(1) == "https" else 80))
        reason = _reason(evidence)
        for host in hosts:
            if (host.host, host.port) == (name, port):
                return host, reason
        option = hosts[0].option if hosts else "Pass --index-url URL for another index"
        return Host(name, port, "a host the installer was sent to", option), reason
    return None


# -- resolution conflicts ----------------------------------------------------------------------


def _conflict(output: str, tool: str) -> InstallError | None:
    lines = output.splitlines()
    cannot = _CANNOT.search(output)
    if cannot is not None:
        causes = _caused_by(lines)
        what = cannot.group(1)
        message = f"{tool} cannot install {what} together: {'; '.join(causes) or 'see the log'}"
        return _resolution(message, " ".join(causes))
    for line in lines:
        unsatisfied = _UNSATISFIED.search(line)
        if unsatisfied is not None and unsatisfied.group(3) != "none":
            requirement, wanted_by, offered = unsatisfied.groups()
            by = f" (required by {wanted_by})" if wanted_by else ""
            message = f"no version of {requirement}{by} is on the index; it has {_shorten(offered)}"
            return _resolution(message, f"{wanted_by or ''} depends on {requirement}")
    if _UV_CONFLICT in output:
        start = next(i for i, line in enumerate(lines) if _UV_CONFLICT in line)
        text = " ".join(
            re.sub(r"^\s*(cause:|\u2570\u2500\u25b6|\u00d7)?\s*", "", line)
            for line in lines[start + 1 :]
        ).strip()
        return _resolution(f"{tool} found no solution: {text}", text)
    return None


def _caused_by(lines: Sequence[str]) -> list[str]:
    try:
        start = next(i for i, line in enumerate(lines) if "The conflict is caused by" in line)
    except StopIteration:
        return []
    causes: list[str] = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        causes.append(line.strip())
    return causes


def _shorten(versions: str, keep: int = 4) -> str:
    items = [v.strip() for v in versions.split(",") if v.strip()]
    if len(items) <= keep:
        return ", ".join(items)
    return f"{', '.join(items[-keep:])} and {len(items) - keep} older"


def _resolution(message: str, causes: str) -> InstallError:
    return InstallError(
        message,
        hint=known_fix(causes)
        or "Loosen or remove one of these requirements (the full output is in the log).",
        code="resolution-conflict",
    )


_TORCHVISION = re.compile(r"torchvision(?:[ =]=?([\w.+!]+))? depends? on torch==([\w.+]+)")
_TORCH_ASKED = re.compile(r"(?:requested|require) torch==([\w.+]+)")
_NUMPY_OLD = re.compile(r"numpy<2\b|numpy<=1\.|numpy~=1\.|numpy==1\.")
_NUMPY_NEW = re.compile(r"numpy>=2|numpy==2\.|numpy~=2\.")
_ORT = re.compile(r"onnxruntime(?:>=1\.19|~=1\.18|==1\.1[0-8]|<1\.19)")


def known_fix(causes: str) -> str | None:
    """The fix for a conflict AIMET users are known to hit, or None.

    Each fact is from the packages' PyPI metadata (docs/install.md lists them): aimet-torch
    2.20.0 and earlier and aimet-onnx 2.13.0 declare ``numpy<2``, aimet-torch 2.25.0 and
    aimet-onnx 2.42.0 do not bound numpy; aimet-onnx 2.13.0 and later need
    ``onnxruntime>=1.19``, 2.0.0 needs ``onnxruntime~=1.18.1``.
    """
    vision = _TORCHVISION.search(causes)
    if vision is not None:
        built_for = vision.group(2)
        asked = _TORCH_ASKED.search(causes)
        wanted = (
            f"a torchvision built for torch {asked.group(1)}"
            if asked
            else "torchvision together with the torch it was built for"
        )
        return (
            f"Each torchvision build is made for one torch (this one for torch {built_for}), and "
            f"both must come from the same index: point --torch-index at an index that has "
            f"{wanted}, as the PyTorch CPU index does."
        )
    if _NUMPY_OLD.search(causes) and _NUMPY_NEW.search(causes):
        return (
            "aimet-torch up to 2.20.0 and aimet-onnx 2.13.0 need numpy<2, while the other "
            "package needs NumPy 2: install a release of that package that accepts numpy<2, or "
            "an AIMET release that does not bound numpy (aimet-torch 2.25.0 or later; aimet-onnx "
            "2.42.0: --tag 2.42.0)."
        )
    if "onnxruntime" in causes and _ORT.search(causes):
        return (
            "aimet-onnx 2.13.0 and later need onnxruntime>=1.19 (aimet-onnx 2.0.0 needs "
            "onnxruntime~=1.18.1): drop the other onnxruntime pin, or use an index that has "
            "onnxruntime 1.19 or later for this Python (--index-url URL)."
        )
    return None


__all__ = ["explain", "known_fix"]
