"""``aimetenv env``: the shell exports an installed AIMET release needs, printed or persisted.

Run from shell start-up files, so it stays light: no rich, no catalog, no requests. The block
goes to stdout (``aimetenv env >> ~/.bashrc`` puts only the block into the file); which env was
chosen and why goes to stderr.
"""

from typing import TYPE_CHECKING, Annotated, Optional

import typer

from aimetenv.cli import completion
from aimetenv.cli.common import guarded
from aimetenv.cli.options import (
    JsonOpt,
    NameOpt,
    PrefixOpt,
    PythonPathOpt,
    QuietOpt,
    VenvOpt,
)

if TYPE_CHECKING:
    from pathlib import Path

    from aimetenv.envs.targets import EnvTarget
    from aimetenv.runner import Runner
    from aimetenv.shellenv.exports import EnvExports

ShellOpt = Annotated[
    Optional[str],
    typer.Option(
        "--shell",
        autocompletion=completion.shells,
        help="bash, zsh, fish or json. Default: from $SHELL; with --write, from the file's name "
        "(*.fish, .zshrc) first.",
        show_default=False,
    ),
]
WriteOpt = Annotated[
    Optional[str],
    typer.Option(
        "--write",
        metavar="FILE",
        help="Recommended: put the block into FILE, replacing this env's block in place or "
        "appending it. Atomic; the old file is kept as FILE.aimetenv.bak; symlinks are followed.",
        show_default=False,
    ),
]
RemoveOpt = Annotated[
    bool,
    typer.Option(
        "--remove",
        help="With --write FILE: take this env's block out of FILE. With --activate-hooks: "
        "remove the hooks.",
    ),
]
HooksOpt = Annotated[
    bool,
    typer.Option(
        "--activate-hooks",
        help="Set the exports on activation instead of in an rc file: conda envs get "
        "etc/conda/activate.d and deactivate.d scripts; venvs get blocks in bin/activate and "
        "bin/activate.fish. Deactivating restores the previous values.",
    ),
]


def _say(text: str, *, quiet: bool) -> None:
    import sys

    if not quiet:
        sys.stderr.write(f"aimetenv: {text}\n")
        sys.stderr.flush()


def _write_stdout(text: str) -> None:
    import sys

    sys.stdout.write(text)
    sys.stdout.flush()


def _check_modes(
    *,
    write: Optional[str],
    remove: bool,
    hooks: bool,
    shell: Optional[str],
    json_output: bool,
) -> None:
    from aimetenv.errors import UsageError
    from aimetenv.shellenv.shells import check_shell

    if shell is not None:
        check_shell(shell)
    if write is not None and hooks:
        raise UsageError(
            "--write and --activate-hooks do different things; choose one", code="conflicting-modes"
        )
    if remove and write is None and not hooks:
        raise UsageError(
            "--remove needs --write FILE or --activate-hooks",
            hint="For example: aimetenv env --write ~/.bashrc --remove",
            code="remove-what",
        )
    if json_output and write is None and not hooks and shell not in (None, "json"):
        raise UsageError(
            f"--json prints JSON; it cannot be combined with --shell {shell}",
            code="conflicting-modes",
        )
    if hooks and shell is not None:
        raise UsageError(
            "--activate-hooks writes bash and fish hooks; --shell does not apply",
            code="conflicting-modes",
        )


@guarded("env")
def env(  # one parameter per option
    name: NameOpt = None,
    prefix: PrefixOpt = None,
    venv: VenvOpt = None,
    python: PythonPathOpt = None,
    shell: ShellOpt = None,
    write: WriteOpt = None,
    remove: RemoveOpt = False,
    activate_hooks: HooksOpt = False,
    json_output: JsonOpt = False,
    quiet: QuietOpt = False,
) -> int:
    """Print the exports the installed AIMET release needs, or persist them safely.

    Only what the release needs, from the env's real site-packages: LD_LIBRARY_PATH and
    PYTHONPATH for releases up to 1.21, LD_LIBRARY_PATH for 1.22-1.23, nothing for 1.24 and later
    (2.x included). GPU builds add the CUDA settings of the envsetup.sh they ship.

    The output is one marked block; `eval "$(aimetenv env)"` or `aimetenv env >> ~/.bashrc` work,
    but `aimetenv env --write ~/.bashrc` is the safe way to persist it: it replaces the block in
    place instead of adding another copy. `--activate-hooks` needs no rc file at all.
    """
    import os

    from aimetenv.envs.targets import TargetRequest, check_path_argument, check_target
    from aimetenv.paths import state_dir
    from aimetenv.shellenv.exports import env_key, env_prefix, exports_for_target

    _check_modes(
        write=write, remove=remove, hooks=activate_hooks, shell=shell, json_output=json_output
    )
    state = state_dir()
    target = check_target(
        TargetRequest(name=name, prefix=prefix, venv=venv, python=python), os.environ, state
    )
    key = env_key(target)
    if remove:
        return _remove(target, key, write, json_output=json_output, quiet=quiet)
    if activate_hooks:
        from aimetenv.shellenv.hooks import require_kind

        require_kind(env_prefix(target), target.label)  # refuse before probing anything
    exports = exports_for_target(target, state, _runner)
    done = None
    if write is not None:
        done = _write(
            exports, check_path_argument(write, "--write"), write, shell, json_output=json_output
        )
    elif activate_hooks:
        done = _hooks(target, exports, json_output=json_output)
    elif json_output or shell == "json":
        from aimetenv.render.env import env_document
        from aimetenv.render.jsonout import dumps

        _write_stdout(dumps(env_document(exports)))
    else:
        from aimetenv.shellenv.shells import as_shell, printed_text, shell_from_environ

        chosen = shell_from_environ(os.environ) if shell is None else shell
        _write_stdout(printed_text(exports, as_shell(chosen)))
    from aimetenv.render.env import chosen_line

    _say(chosen_line(target, exports), quiet=quiet)
    if done is not None:
        _say(done, quiet=quiet)
    return 0


def _runner() -> "Runner":
    from aimetenv.runner import SubprocessRunner

    return SubprocessRunner()


def _write(
    exports: "EnvExports",
    path: "Path",
    shown: str,
    shell: Optional[str],
    *,
    json_output: bool,
) -> str:
    """Write the block into ``path``; the message that says what happened."""
    import os

    from aimetenv.render.env import env_document, update_document, update_message
    from aimetenv.shellenv.rcblock import Marker, update_file
    from aimetenv.shellenv.shells import block_text, shell_for_file

    chosen = shell_for_file(path, shell, os.environ)
    update = update_file(path, Marker(exports.key), block_text(exports, chosen))
    if json_output:
        from aimetenv.render.jsonout import dumps

        _write_stdout(dumps(env_document(exports, shell=chosen, write=update_document(update))))
    return update_message(update, shown, exports.key)


def _hooks(target: "EnvTarget", exports: "EnvExports", *, json_output: bool) -> str:
    """Write the activation hooks; the message that says what happened."""
    from aimetenv.render.env import env_document, hooks_document, hooks_message
    from aimetenv.shellenv.exports import env_prefix
    from aimetenv.shellenv.hooks import install_hooks, require_kind

    folder, kind = require_kind(env_prefix(target), target.label)
    result = install_hooks(folder, kind, exports)
    if json_output:
        from aimetenv.render.jsonout import dumps

        _write_stdout(dumps(env_document(exports, hooks=hooks_document(result))))
    return hooks_message(result)


def _remove(
    target: "EnvTarget", key: str, write: Optional[str], *, json_output: bool, quiet: bool
) -> int:

    from aimetenv.render.env import (
        hooks_document,
        hooks_message,
        result_document,
        update_document,
        update_message,
    )
    from aimetenv.render.jsonout import dumps

    if write is not None:
        from aimetenv.envs.targets import check_path_argument
        from aimetenv.shellenv.rcblock import Marker, update_file

        update = update_file(check_path_argument(write, "--write"), Marker(key), None)
        if json_output:
            document = result_document(
                key, target.label, target.reason, write=update_document(update)
            )
            _write_stdout(dumps(document))
        _say(update_message(update, write, key), quiet=quiet)
        return 0
    from aimetenv.shellenv.exports import env_prefix
    from aimetenv.shellenv.hooks import remove_hooks, require_kind

    folder, kind = require_kind(env_prefix(target), target.label)
    result = remove_hooks(folder, kind, key)
    if json_output:
        document = result_document(key, target.label, target.reason, hooks=hooks_document(result))
        _write_stdout(dumps(document))
    removed = [f for f in result.files if f.action == "removed"]
    if removed:
        _say(hooks_message(result), quiet=quiet)
    else:
        _say(f"{target.label} has no aimetenv activation hooks; nothing changed", quiet=quiet)
    return 0
