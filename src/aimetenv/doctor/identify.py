"""Which AIMET distributions an environment holds, and which release and variant they are.

Used when an environment has no receipt (aimetenv did not install it). Version strings tell the
era: ``torch_cpu_1.16.2.py37`` (AimetCommon/AimetTorch, 1.16.1-1.30), ``torch-gpu-1.31.0``
(aimet-torch 1.31), ``1.34.0.cu121`` (1.33-1.35 release-host wheels), ``2.42.0+cpu`` or a plain
``2.42.0`` (PyPI). The look-alike PyPI names are recognised too: ``aimet`` 0.0.1 is an unrelated
project, ``aimet-tensorflow`` 0.0.1 is an empty placeholder, ``aimet-onnx`` 0.0.x were yanked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from aimetenv.catalog.names import parse_dist_name, parse_dist_version
from aimetenv.catalog.variants import parse_variant_id

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aimetenv.catalog.model import Catalog, Release, Variant

Role = Literal["framework", "common", "meta", "placeholder", "unrelated", "yanked"]


@dataclass(frozen=True)
class AimetDist:
    """One installed distribution whose name looks like AIMET's."""

    key: str
    """Normalised name: ``aimetcommon``, ``aimet-onnx``."""
    name: str
    version: str
    location: str
    role: Role
    framework: str | None = None
    tag: str | None = None
    token: str | None = None
    """The variant token of legacy versions (``torch_cpu``), or of 1.32.0 package names."""
    local: str | None = None
    """``cpu`` or ``cuXYZ`` from the version."""
    note: str | None = None

    def label(self) -> str:
        """``aimet-onnx 2.42.0``."""
        return f"{self.name} {self.version}"


@dataclass(frozen=True)
class Identification:
    """The release and variant the installed distributions stand for."""

    tag: str
    variant: str
    evidence: str
    source: Literal["github", "pypi"]


def _classify(  # noqa: PLR0911  # one return per kind of name
    key: str, name: str, version: str, location: str
) -> AimetDist | None:
    dist = parse_dist_name(key)
    if dist is None:
        return None
    parsed = parse_dist_version(version)
    exact = parsed if parsed is not None and parsed.exact else None
    tag, token, local = (exact.tag, exact.token, exact.local) if exact else (None, None, None)
    common = {"key": key, "name": name, "version": version, "location": location}
    if dist.framework is None:
        if token is not None:
            return AimetDist(**common, role="meta", tag=tag, token=token)
        return AimetDist(
            **common,
            role="unrelated",
            note="the PyPI project 'aimet' is an unrelated package by another author",
        )
    if dist.framework == "common":
        return AimetDist(**common, role="common", tag=tag, token=token, local=local)
    if dist.token is not None:
        variant = parse_variant_id(dist.token)
        return AimetDist(
            **common,
            role="framework",
            framework=None if variant is None else variant.framework,
            tag=tag,
            token=dist.token,
            local=local,
        )
    if key == "aimet-tensorflow" and version.startswith("0.0."):
        return AimetDist(
            **common,
            role="placeholder",
            framework=dist.framework,
            note="aimet-tensorflow 0.0.1 on PyPI is an empty placeholder with no package",
        )
    if key == "aimet-onnx" and version.startswith("0.0."):
        return AimetDist(
            **common,
            role="yanked",
            framework=dist.framework,
            note="aimet-onnx 0.0.x were yanked from PyPI: 'a non-functional trial release'",
        )
    return AimetDist(
        **common, role="framework", framework=dist.framework, tag=tag, token=token, local=local
    )


def aimet_distributions(distributions: Mapping[str, Any]) -> list[AimetDist]:
    """The AIMET-looking distributions among the probe's ``distributions``, by name."""
    found: list[AimetDist] = []
    for key, entry in sorted(distributions.items()):
        if not key.startswith("aimet") or not isinstance(entry, dict):
            continue
        dist = _classify(
            key,
            str(entry.get("name") or key),
            str(entry.get("version") or ""),
            str(entry.get("location") or ""),
        )
        if dist is not None:
            found.append(dist)
    return found


def _cuda_of(local: str) -> str | None:
    digits = local[2:]
    if not local.startswith("cu") or len(digits) < 2 or not digits.isdigit():  # noqa: PLR2004  # cuXY: at least two digits
        return None
    return f"{digits[:-1]}.{digits[-1]}"


def _has_suffix(variant: Variant) -> bool:
    parsed = parse_variant_id(variant.id)
    return parsed is not None and parsed.suffix is not None


def choose_variant(
    release: Release,
    framework: str,
    *,
    token: str | None,
    local: str | None,
    accelerator: Literal["cpu", "gpu"] | None,
) -> Variant | None:
    """The release's variant for what the version and the environment say."""
    if token is not None:
        parsed = parse_variant_id(token)
        if parsed is not None:
            return release.find_variant(parsed.id)
    candidates = [v for v in release.variants.values() if framework in v.frameworks and v.shipped]
    if not candidates:
        return None
    # Plain ids (torch-gpu) before the legacy framework-suffixed ones (torch-gpu-pt113).
    candidates.sort(key=_has_suffix)
    # Without a version tag, the environment decides (a CUDA torch, onnxruntime-gpu); with no
    # sign of a GPU build either way, the CPU variant is the safer reading.
    wanted: Literal["cpu", "gpu"] = "cpu"
    if (local is not None and local.startswith("cu")) or (local is None and accelerator == "gpu"):
        wanted = "gpu"
    if local is not None and local.startswith("cu"):
        cuda = _cuda_of(local)
        for variant in candidates:
            if variant.accelerator == "gpu" and variant.cuda == cuda:
                return variant
    for variant in candidates:
        if variant.accelerator == wanted:
            return variant
    return candidates[0]


def identify(
    dists: list[AimetDist],
    catalog: Catalog,
    *,
    accelerator_hint: Mapping[str, Literal["cpu", "gpu"] | None],
) -> tuple[Identification | None, str]:
    """The release and variant, or None with the reason.

    ``accelerator_hint`` says, per framework, what the environment suggests when the version
    does not (a CUDA build of torch, onnxruntime-gpu): ``{"torch": "gpu", "onnx": "cpu"}``.
    """
    usable = [d for d in dists if d.role in ("framework", "common", "meta") and d.tag]
    if not usable:
        if dists:
            names = ", ".join(d.label() for d in dists)
            return None, f"no AIMET release is installed ({names} is not one)"
        return None, "no AIMET distribution is installed"
    order = {"torch": 0, "onnx": 1, "tf": 2}
    usable.sort(key=lambda d: (d.role != "framework", order.get(d.framework or "", 3)))
    chosen = usable[0]
    tag = chosen.tag or ""
    release = catalog.get(tag)
    if release is None:
        return None, (
            f"{chosen.label()} is release {tag}, which the catalog does not know "
            "(run 'aimetenv releases --refresh', or pass --tag and --variant)"
        )
    framework = chosen.framework
    if framework is None and chosen.token is not None:
        parsed = parse_variant_id(chosen.token)
        framework = None if parsed is None else parsed.framework.split("+")[-1]
    if framework is None:
        framework = next(iter(release.variants.values())).frameworks[-1]
    variant = choose_variant(
        release,
        framework,
        token=chosen.token,
        local=chosen.local,
        accelerator=accelerator_hint.get(framework),
    )
    if variant is None:
        return None, f"release {tag} has no variant that matches {chosen.label()}"
    # Local tags (+cpu, .cu121) and variant tokens exist only on the release host's files.
    on_host = chosen.token is not None or chosen.local is not None or variant.pypi is None
    source: Literal["github", "pypi"] = "github" if on_host else "pypi"
    others = [d.label() for d in usable[1:] if d.role == "framework"]
    evidence = chosen.label()
    if others:
        evidence += f" (also installed: {', '.join(others)})"
    return Identification(tag, variant.id, evidence, source), ""


__all__ = [
    "AimetDist",
    "Identification",
    "Role",
    "aimet_distributions",
    "choose_variant",
    "identify",
]
