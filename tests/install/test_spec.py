"""Install specs: every key checked, relative paths from the spec's folder, flags win."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from typer.main import get_command

from aimetenv.cli.app import app
from aimetenv.errors import UsageError
from aimetenv.install.spec import KEYS, load_spec, with_spec

if TYPE_CHECKING:
    from pathlib import Path


def _spec(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def test_values_map_to_install_parameters(tmp_path: Path) -> None:
    path = _spec(
        tmp_path,
        "schema: 1\nvariant: torch_cpu\ntag: 1.16.2.py37\nvenv: envs/x\nwheel-dir: /abs/wh\n"
        "with-reqs: true\npython-version: '3.7'\nmirror: http://127.0.0.1:1/m\n",
    )
    assert load_spec(path) == {
        "variant": "torch_cpu",
        "tag": "1.16.2.py37",
        "venv": str(tmp_path / "envs" / "x"),
        "wheel_dir": "/abs/wh",
        "with_reqs": True,
        "python_version": "3.7",
        "mirror": "http://127.0.0.1:1/m",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("variant: onnx-cpu\ncolor: red\n", "unknown key(s) color"),
        ("- a\n- b\n", "expected a mapping"),
        ("with-reqs: 'yes'\n", "with-reqs must be true or false"),
        ("tag: ''\n", "tag must be a non-empty string"),
        ("python-version: 3.10\n", "must be quoted"),
        ("schema: 2\n", "schema 2 is not supported"),
        ("tag: [2.42.0\n", "not valid YAML"),
        ("dry-run: true\n", "unknown key(s) dry-run"),
    ],
)
def test_bad_specs_name_the_file_and_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = _spec(tmp_path, text)
    with pytest.raises(UsageError) as caught:
        load_spec(path)
    assert caught.value.message.startswith(f"spec {path}: ")
    assert message in caught.value.message
    assert caught.value.exit_code == 2


def test_missing_spec(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        load_spec(tmp_path / "nope.yaml")


def test_flags_win_over_the_spec() -> None:
    given = {"variant": "onnx-cpu", "venv": "/from/flag", "tag": None}
    merged = with_spec(
        given, {"venv": "/from/spec", "tag": "2.42.0", "variant": "torch-cpu"}, ["venv"]
    )
    assert merged == {"variant": "torch-cpu", "venv": "/from/flag", "tag": "2.42.0"}


def test_every_spec_key_is_an_install_option() -> None:
    install = get_command(app).commands["install"]  # type: ignore[attr-defined]
    options = {o.lstrip("-") for p in install.params for o in p.opts}
    assert set(KEYS) <= options
    assert {k.parameter for k in KEYS.values()} <= {p.name for p in install.params}
    assert [k for k, v in KEYS.items() if v.path] == [
        "prefix",
        "venv",
        "python",
        "interpreter",
        "wheel-dir",
    ]
