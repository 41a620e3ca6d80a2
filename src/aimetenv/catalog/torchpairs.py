"""Which torchvision release belongs to which torch release, for the torch versions AIMET pins.

From PyTorch's "Previous PyTorch Versions" page (pytorch/pytorch.github.io
``_get_started/previous-versions.md``), whose install lines pin the pair, e.g. ``pip install
torch==2.1.2 torchvision==0.16.2 torchaudio==2.1.2 --index-url .../cu121``. The table covers
every torch the catalog names (1.4.0, 1.7.1, 1.9.1, 1.13.1, 2.1.2) and 2.2.2, which PyPI
aimet-torch 1.33.0 requires; pytorch/vision's README agrees at the minor level.
"""

from __future__ import annotations

from packaging.version import InvalidVersion, Version

TORCHVISION_FOR_TORCH: dict[str, str] = {
    "1.4.0": "0.5.0",
    "1.7.1": "0.8.2",
    "1.9.1": "0.10.1",
    "1.13.1": "0.14.1",
    "2.1.2": "0.16.2",
    "2.2.2": "0.17.2",
}
"""torch release -> torchvision release (public versions, no local tag)."""


def torchvision_for(torch: str) -> str | None:
    """The torchvision for ``torch`` (``2.1.2+cpu`` -> ``0.16.2+cpu``); None when not in the table.

    The local tag (``+cpu``, ``+cu118``) is carried over: PyTorch builds both with the same one.
    """
    try:
        version = Version(torch)
    except InvalidVersion:
        return None
    public = ".".join(str(part) for part in (*version.release, 0, 0)[:3])
    vision = TORCHVISION_FOR_TORCH.get(public)
    if vision is None:
        return None
    return f"{vision}+{version.local}" if version.local else vision


__all__ = ["TORCHVISION_FOR_TORCH", "torchvision_for"]
