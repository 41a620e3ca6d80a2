"""The torch -> torchvision table (PyTorch's previous-versions page) and its look-up."""

from __future__ import annotations

import pytest

from aimetenv.catalog.torchpairs import torchvision_for


@pytest.mark.parametrize(
    ("torch", "vision"),
    [("1.4.0+cu100", "0.5.0+cu100"), ("1.7.1+cpu", "0.8.2+cpu"), ("1.9.1", "0.10.1"),
     ("1.13.1+cu117", "0.14.1+cu117"), ("2.1.2", "0.16.2"), ("2.2.2", "0.17.2"),
     ("1.4", "0.5.0"), ("2.13.0", None), ("junk", None)],
)  # fmt: skip
def test_torchvision_for(torch: str, vision: str | None) -> None:
    assert torchvision_for(torch) == vision
