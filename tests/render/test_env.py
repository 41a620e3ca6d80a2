"""The ``aimetenv.env/1`` documents."""

from __future__ import annotations

import json

from aimetenv.render.env import env_document
from aimetenv.shellenv.exports import Export
from support.exports import exports_of


def test_json_document() -> None:
    env = exports_of(
        Export("LD_LIBRARY_PATH", "prepend", ("/a", "/b"), "aimet"),
        Export("CUDA_HOME", "set", ("/usr/local/cuda",), "/x/envsetup.sh"),
        notes=("n1",),
    )
    document = env_document(env, write={"file": "/f"})
    assert document["schema"] == "aimetenv.env/1"
    assert (document["status"], document["exit_code"]) == ("success", 0)
    assert document["env"] == {"key": "/envs/x", "label": "venv /envs/x", "reason": "--venv given"}
    assert document["release"]["tag"] == "1.16.2.py37"
    assert document["variables"] == [
        {"name": "LD_LIBRARY_PATH", "action": "prepend", "origin": "aimet", "directories": ["/a", "/b"]},
        {"name": "CUDA_HOME", "action": "set", "origin": "/x/envsetup.sh", "value": "/usr/local/cuda"},
    ]  # fmt: skip
    assert document["notes"] == ["n1"]
    assert document["write"] == {"file": "/f"}
    json.dumps(document)
