"""The install options: checked and typed once, whether from the command line or a spec."""

from __future__ import annotations

from pathlib import Path

import pytest

from aimetenv.envs.targets import TargetRequest
from aimetenv.errors import UsageError
from aimetenv.install.options import InstallOptions, option_keys, option_values
from aimetenv.install.resolver import Options


def test_values_are_checked_and_typed() -> None:
    options = InstallOptions.from_values(
        {
            "variant": "torch-cpu",
            "tag": "1.16.2.py37",
            "venv": "/envs/x",
            "python_version": "3.7",
            "glibc": "2.31",
            "mirror": "http://127.0.0.1:9/m",
            "wheel_dir": "/wheels",
            "with_reqs": True,
        }
    )
    assert options == InstallOptions(
        variant="torch-cpu",
        tag="1.16.2.py37",
        target=TargetRequest(venv="/envs/x"),
        python_version=(3, 7),
        sources=Options(mirror="http://127.0.0.1:9/m"),
        glibc=(2, 31),
        wheel_dir=Path("/wheels"),
        with_reqs=True,
    )


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"tag": None, "installer": "conda", "glibc": "x"}, "missing-option"),
        ({"installer": "conda", "source": "ftp", "glibc": "x"}, "bad-installer"),
        ({"source": "ftp", "python_version": "3", "glibc": "x"}, "bad-source"),
        ({"mirror": "http://example.com", "python_version": "3"}, "insecure-url"),
        ({"python_version": "3", "glibc": "x"}, "bad-python"),
        ({"glibc": "x"}, "bad-glibc"),
    ],
)
def test_the_first_problem_in_a_fixed_order_is_reported(
    values: dict[str, object], code: str
) -> None:
    with pytest.raises(UsageError) as refused:
        InstallOptions.from_values({"variant": "onnx-cpu", "tag": "2.42.0", **values})
    assert refused.value.code == code


def test_require_names_what_is_missing() -> None:
    with pytest.raises(UsageError, match="missing option --variant and --tag"):
        InstallOptions.from_values({})


def test_every_option_is_listed_once_with_its_parts_spelled_out() -> None:
    names = [key.parameter for key in option_keys()]
    assert len(names) == len(set(names)) == 25
    assert names[2:6] == ["name", "prefix", "venv", "python"]
    assert names[9:14] == ["source", "mirror", "index_url", "torch_index", "torch_find_links"]
    params: dict[str, object] = {**dict.fromkeys(names), "spec": "x.yaml", "dry_run": True}
    assert option_values(params) == dict.fromkeys(names)
