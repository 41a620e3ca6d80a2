"""The fault cases as data: what is done, the exit code, the line users see, what stays intact.

Each test in ``tests/faults`` takes its case with ``case("id")`` and asserts exactly what the row
says: the exit code, the one line (``…`` stands for text that varies: ports, paths, digests), no
traceback, and what the ``intact`` column promises. ``docs/reliability.md`` is rendered from this
table (``tests/faults/document.py``), and ``test_document.py`` keeps the two equal.

The input cases also carry their command line (``argv``, ``env``), with placeholders that the
test fills in: ``{prefix}`` (a path that does not exist yet), ``{mirror}`` (a loopback release
host that records every request), ``{tmp}`` (the test's folder), ``{file}`` (a regular file with
known bytes) and ``{folder}`` (a folder with a user's file in it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Form = Literal["one-line", "pip-failure", "success", "in-process", "report"]
"""How the outcome looks on stderr.

``one-line``: the last line on stderr is the only one that starts with ``aimetenv: error:`` (or
``aimetenv: interrupted``); lines before it are the progress a run printed. ``pip-failure``: that
line, then pip's last lines and ``log: PATH``, each indented by two spaces. ``success``: exit 0
and no error line. ``in-process``: not a command line; the row's check runs in the test process.
``report``: a finding of ``doctor``: the line is one line of the report on stdout.
"""

INTERRUPTED = "aimetenv: interrupted; nothing half-written was left behind."
INSTALL = ("install", "--variant", "torch-cpu", "--tag", "1.16.2.py37")
TARGET = ("--mirror", "{mirror}", "--venv", "{prefix}")
NO_REQUEST = "nothing created at the target; the release host got no request"


@dataclass(frozen=True)
class Case:
    """One row of the fault table."""

    id: str
    group: str
    done: str
    """What is done, as a user would describe it (Markdown)."""
    exit_code: int | None
    line: str
    """The one line users see; ``…`` stands for text that varies."""
    intact: str
    """What the test checks is intact (or true) afterwards."""
    form: Form = "one-line"
    argv: tuple[str, ...] = ()
    """For data-driven cases: the aimetenv arguments, with placeholders."""
    env: dict[str, str] = field(default_factory=dict)
    """For data-driven cases: extra environment variables."""

    def matches(self, text: str) -> bool:
        """Whether ``text`` is this row's line (``…`` matching any run of characters)."""
        pattern = ".*".join(re.escape(part) for part in self.line.split("…"))
        return re.fullmatch(pattern, text) is not None


def _input(  # one row of bad input, with its command line
    id_: str, done: str, line: str, argv: tuple[str, ...], *, intact: str = NO_REQUEST,
    env: dict[str, str] | None = None, exit_code: int = 2,
) -> Case:  # fmt: skip
    return Case(id_, "input", done, exit_code, line, intact, argv=argv, env=env or {})


_MALFORMED = (
    "aimetenv: error: malformed tag {}: a release tag looks like 1.16.2, 1.16.2.py37, 2.42.0 or "
    "latest. …"
)
_OFFERS = "Release 1.16.2.py37 offers: torch-gpu, torch-cpu, tf-gpu, tf-cpu."

INPUT_CASES: tuple[Case, ...] = (
    _input(
        "tag-shell-injection",
        "install with `--tag '1.16.2;rm -rf /'`",
        _MALFORMED.format("'1.16.2;rm -rf /'"),
        (*INSTALL[:3], "--tag", "1.16.2;rm -rf /", *TARGET),
    ),
    _input(
        "tag-path-traversal",
        "install with `--tag ../../x`",
        _MALFORMED.format("'../../x'"),
        (*INSTALL[:3], "--tag", "../../x", *TARGET),
    ),
    _input(
        "tag-empty",
        "install with `--tag ''`",
        "aimetenv: error: malformed tag '': a release tag looks like 1.16.2, 1.16.2.py37, 2.42.0 "
        "or latest. See 'aimetenv releases' for the list of releases.",
        (*INSTALL[:3], "--tag", "", *TARGET),
    ),
    _input(
        "tag-very-long",
        "install with a 5000-digit `--tag` (was an internal error)",
        _MALFORMED.format("'9999999999999999999999999999999999999999...'"),
        (*INSTALL[:3], "--tag", "9" * 5000, *TARGET),
    ),
    _input(
        "tag-non-ascii",
        "install with `--tag 1.16.2.py37é`",
        _MALFORMED.format("'1.16.2.py37é'"),
        (*INSTALL[:3], "--tag", "1.16.2.py37é", *TARGET),
    ),
    _input(
        "tag-newline",
        "install with a tag holding a newline (`$'1.16.2\\nrm -rf /'`)",
        _MALFORMED.format("'1.16.2\\nrm -rf /'"),
        (*INSTALL[:3], "--tag", "1.16.2\nrm -rf /", *TARGET),
    ),
    _input(
        "tag-not-utf8",
        "install with a tag holding a byte that is not UTF-8 (`$'1.16.2\\xff'`)",
        _MALFORMED.format("'1.16.2\\udcff'"),
        (*INSTALL[:3], "--tag", "1.16.2\udcff", *TARGET),
    ),
    _input(
        "variant-shell-injection",
        "install with `--variant 'torch-cpu;rm -rf /'`",
        "aimetenv: error: unknown variant 'torch-cpu;rm -rf /'. Did you mean torch-cpu or "
        f"torch-cpu-pt21? {_OFFERS}",
        ("install", "--variant", "torch-cpu;rm -rf /", *INSTALL[3:], *TARGET),
    ),
    _input(
        "variant-path-traversal",
        "install with `--variant ../../x`",
        f"aimetenv: error: unknown variant '../../x'. {_OFFERS}",
        ("install", "--variant", "../../x", *INSTALL[3:], *TARGET),
    ),
    _input(
        "variant-empty",
        "install with `--variant ''`",
        f"aimetenv: error: unknown variant ''. {_OFFERS}",
        ("install", "--variant", "", *INSTALL[3:], *TARGET),
    ),
    _input(
        "variant-very-long",
        "install with a 5000-character `--variant`",
        f"aimetenv: error: unknown variant '{'x' * 40}...'. {_OFFERS}",
        ("install", "--variant", "x" * 5000, *INSTALL[3:], *TARGET),
    ),
    _input(
        "variant-non-ascii",
        "install with `--variant torch-cpü`",
        f"aimetenv: error: unknown variant 'torch-cpü'. Did you mean torch-cpu or torch-gpu? {_OFFERS}",
        ("install", "--variant", "torch-cpü", *INSTALL[3:], *TARGET),
    ),
    _input(
        "prefix-newline",
        "install with `--venv` holding a newline",
        "aimetenv: error: --venv needs a path (not empty, without newlines or NUL characters), "
        "got '…\\nx'.",
        (*INSTALL, "--mirror", "{mirror}", "--venv", "{prefix}\nx"),
    ),
    _input(
        "prefix-not-utf8",
        "install with `--venv` holding a byte that is not UTF-8",
        "aimetenv: error: --venv needs a path that is valid UTF-8, got '…\\udcff'. "
        "Environments, logs, receipts and shell files name this path as UTF-8 text.",
        (*INSTALL, "--mirror", "{mirror}", "--venv", "{prefix}\udcff"),
    ),
    _input(
        "prefix-empty",
        "install with `--venv ''`",
        "aimetenv: error: --venv needs a path (not empty, without newlines or NUL characters), "
        "got ''.",
        (*INSTALL, "--mirror", "{mirror}", "--venv", ""),
    ),
    _input(
        "prefix-too-long",
        "install with a 5000-character `--venv` (was an internal error)",
        "aimetenv: error: --venv is too long for a path (… bytes; at most 4095, and 255 for each "
        "name): '/tmp/…aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'.",
        (*INSTALL, "--mirror", "{mirror}", "--venv", "{tmp}/" + "a" * 5000),
    ),
    _input(
        "doctor-name-too-long",
        "`aimetenv doctor --venv` with a 300-character folder name (was an internal error)",
        "aimetenv: error: --venv is too long for a path (… bytes; at most 4095, and 255 for each "
        "name): '…/env'.",
        ("doctor", "--venv", "{tmp}/" + "b" * 300 + "/env"),
        intact="nothing created",
    ),
    _input(
        "wheel-dir-empty",
        "install with `--wheel-dir ''` (was ignored: the install went to the network)",
        "aimetenv: error: --wheel-dir needs a path (not empty, without newlines or NUL "
        "characters), got ''.",
        (*INSTALL, *TARGET, "--wheel-dir", ""),
    ),
    _input(
        "interpreter-too-long",
        "install with a 5000-character `--interpreter` (was an internal error)",
        "aimetenv: error: --interpreter is too long for a path (… bytes; at most 4095, and 255 "
        "for each name): '/tmp/…'.",
        (*INSTALL, *TARGET, "--interpreter", "{tmp}/" + "i" * 5000),
    ),
    _input(
        "prefix-user-folder",
        "install with `--venv` naming a folder that holds the user's files (not a venv)",
        "aimetenv: error: … is a non-empty directory that is not a venv; aimetenv will not write "
        "into it. Choose an empty or new path for --venv.",
        (*INSTALL, "--mirror", "{mirror}", "--venv", "{folder}"),
        intact="the folder's files byte for byte; the release host got no request",
    ),
    _input(
        "prefix-is-a-file",
        "install with `--venv` naming a regular file",
        "aimetenv: error: --venv … exists and is not a directory.",
        (*INSTALL, "--mirror", "{mirror}", "--venv", "{file}"),
        intact="the file's bytes; the release host got no request",
    ),
    _input(
        "conda-name-traversal",
        "install with `-n ../../x`",
        "aimetenv: error: invalid conda environment name '../../x': use letters, digits, '.', "
        "'_', '+' or '-'. Use -p/--prefix PATH for an environment at a path.",
        (*INSTALL, "--mirror", "{mirror}", "-n", "../../x"),
        intact="the release host got no request",
    ),
    _input(
        "mirror-file-url",
        "install with `--mirror file:///etc`",
        "aimetenv: error: --mirror needs an http(s) URL such as https://mirror.example/aimet, "
        "got 'file:///etc'.",
        (*INSTALL, "--mirror", "file:///etc", "--venv", "{prefix}"),
        intact="nothing created at the target",
    ),
    _input(
        "mirror-plain-http",
        "install with `--mirror http://aimet-mirror.example` (plain http, not loopback)",
        "aimetenv: error: --mirror http://aimet-mirror.example uses plain http to a host that is "
        "not loopback. Use https, or pass --allow-http if this network is trusted.",
        (*INSTALL, "--mirror", "http://aimet-mirror.example", "--venv", "{prefix}"),
        intact="nothing created at the target",
    ),
    _input(
        "mirror-shell-injection",
        "install with `--mirror 'https://x.example/ $(reboot)'` (a space, a command substitution)",
        "aimetenv: error: --mirror needs a URL, got 'https://x.example/ $(reboot)'.",
        (*INSTALL, "--mirror", "https://x.example/ $(reboot)", "--venv", "{prefix}"),
        intact="nothing created at the target",
    ),
    _input(
        "mirror-broken-ipv6",
        "install with `--mirror 'https://[::1'` (was an internal error)",
        "aimetenv: error: --mirror needs an http(s) URL such as https://mirror.example/aimet, "
        "got 'https://[::1'.",
        (*INSTALL, "--mirror", "https://[::1", "--venv", "{prefix}"),
        intact="nothing created at the target",
    ),
    _input(
        "mirror-port-out-of-range",
        "install with `--mirror https://mirror.example:99999`",
        "aimetenv: error: --mirror needs an http(s) URL such as https://mirror.example/aimet, "
        "got 'https://mirror.example:99999'.",
        (*INSTALL, "--mirror", "https://mirror.example:99999", "--venv", "{prefix}"),
        intact="nothing created at the target",
    ),
    _input(
        "python-version-huge",
        "install with `--python-version 3.` and 5000 digits (was an internal error)",
        "aimetenv: error: --python-version needs a Python version like 3.10, got "
        "'3.99999999999999999999999999999999999999'.",
        (*INSTALL, *TARGET, "--python-version", "3." + "9" * 5000),
    ),
    _input(
        "python-version-superscript",
        "install with `--python-version 3.²` (was an internal error)",
        "aimetenv: error: --python-version needs a Python version like 3.10, got '3.²'.",
        (*INSTALL, *TARGET, "--python-version", "3.²"),
    ),
    _input(
        "resolve-python-is-interpreter",
        "`resolve --python 3.10`: a version given to the option that names an interpreter (was: "
        "a hint to pass `--python 3.10`, which was refused)",
        "aimetenv: error: resolve takes no --python (that names an interpreter, as in install, "
        "env and doctor). For a Python version use --python-version 3.10.",
        ("resolve", "--variant", "torch-cpu", "--tag", "2.42.0", "--python", "3.10"),
        intact="nothing written; the hinted `--python-version 3.10` line resolves (exit 0)",
    ),
    _input(
        "download-python-is-interpreter",
        "`download -d NEWDIR --python 3.10`",
        "aimetenv: error: download takes no --python (that names an interpreter, as in install, "
        "env and doctor). For a Python version use --python-version 3.10.",
        (
            "download",
            "--variant",
            "torch-cpu",
            "--tag",
            "1.16.2.py37",
            "--mirror",
            "{mirror}",
            "-d",
            "{prefix}",
            "--python",
            "3.10",
        ),
        intact="NEWDIR is not created, the release host got no request; the hinted "
        "`--python-version 3.10` line downloads (exit 0)",
    ),
    _input(
        "timeout-not-a-number",
        "install with `AIMETENV_TIMEOUT=soon`",
        "aimetenv: error: AIMETENV_TIMEOUT must be a number of seconds above 0 and at most 3600, "
        "got 'soon'. Unset it to use the default of 60 s.",
        (*INSTALL, *TARGET),
        env={"AIMETENV_TIMEOUT": "soon"},
    ),
    _input(
        "env-not-utf8",
        "`aimetenv env --venv` with a byte that is not UTF-8 (was an internal error)",
        "aimetenv: error: --venv needs a path that is valid UTF-8, got '…\\udcff'. "
        "Environments, logs, receipts and shell files name this path as UTF-8 text.",
        ("env", "--venv", "{prefix}\udcff"),
        intact="nothing created",
    ),
)

FILE_CASES: tuple[Case, ...] = (
    Case(
        "prefix-with-spaces",
        "files",
        "install into `--venv '…/my envs/aimet env'`",
        0,
        "",
        'the env works: `eval "$(aimetenv env …)"` in bash, then libpymo imports',
        form="success",
    ),
    Case(
        "prefix-under-proc",
        "files",
        "install into `--venv /proc/aimetenv-faults/env` (even root cannot write there)",
        7,
        "aimetenv: error: cannot create venv /proc/aimetenv-faults/env: nothing can be created "
        "in /proc (…). Choose a path under a folder you can write to.",
        "refused before any download: the release host got no request",
    ),
    Case(
        "prefix-under-a-file",
        "files",
        "install into `--venv FILE/env`, FILE a regular file",
        7,
        "aimetenv: error: cannot create venv …/notes.txt/env: …/notes.txt is not a folder. "
        "Choose a path under a folder you can write to.",
        "the file's bytes; the release host got no request",
    ),
    Case(
        "rc-read-only",
        "files",
        "`env --write RC`, RC made read-only with `chmod 444`",
        7,
        "aimetenv: error: …/.bashrc is read-only; nothing was changed. Make it writable "
        "(chmod u+w) or choose another file.",
        "RC's bytes and mode; no backup, no temporary file beside it",
    ),
    Case(
        "rc-owner-read-only",
        "files",
        "`env --write RC`, RC `chmod 464` (owner may not write, group may; root runs it)",
        7,
        "aimetenv: error: …/.bashrc is read-only; nothing was changed. Make it writable "
        "(chmod u+w) or choose another file.",
        "RC's bytes and mode; no backup, no temporary file beside it",
    ),
    Case(
        "rc-unpaired-marker",
        "files",
        "`env --write RC`, RC holding a begin marker without its end marker",
        7,
        "aimetenv: error: …/.bashrc: line 4: the begin marker on line 4 has no end marker; "
        "nothing was changed. Fix or delete the broken aimetenv block by hand, then run this "
        "again.",
        "RC's bytes; no backup, no temporary file beside it",
    ),
    Case(
        "rc-is-a-folder",
        "files",
        "`env --write DIR`, DIR a folder",
        7,
        "aimetenv: error: …/rcdir is a folder, not a file.",
        "the folder's content",
    ),
    Case(
        "rc-under-proc",
        "files",
        "`env --write /proc/aimetenv-faults/rc`",
        7,
        "aimetenv: error: cannot write /proc/aimetenv-faults/rc: No such file or directory.",
        "nothing written",
    ),
    Case(
        "rc-not-utf8",
        "files",
        "`env --write RC` then `--remove`, RC holding bytes that are not UTF-8",
        0,
        "",
        "every byte outside the block; after `--remove` the original file byte for byte",
        form="success",
    ),
    Case(
        "stdout-disk-full",
        "files",
        "`aimetenv env >> FILE` on a full disk (stdout is `/dev/full`; was an internal error)",
        7,
        "aimetenv: error: cannot write the output: No space left on device. Free some space, "
        "then run the command again. A file the output was redirected into may hold part of "
        "it. 'aimetenv env --write FILE' writes a whole block or nothing.",
        "no crash report; exit 7, not Python's 120 for a failed final flush",
    ),
    Case(
        "help-disk-full",
        "files",
        "`aimetenv --help > FILE` on a full disk (was a traceback)",
        7,
        "aimetenv: error: cannot write the output: No space left on device.",
        "no traceback; exit 7",
    ),
    Case(
        "stdout-closed",
        "files",
        "`aimetenv env >&-` (stdout closed; was an internal error)",
        7,
        "aimetenv: error: cannot write the output: stdout is closed. A file the output was "
        "redirected into may hold part of it. 'aimetenv env --write FILE' writes a whole block "
        "or nothing.",
        "no crash report",
    ),
    Case(
        "cache-unwritable",
        "files",
        "install with `XDG_CACHE_HOME` under a regular file",
        7,
        "aimetenv: error: cannot create the download cache …/not-a-folder/cache/aimetenv/wheels/"
        "1.16.2.py37: Not a directory.",
        "no env created; the regular file's bytes",
    ),
    Case(
        "state-unwritable",
        "files",
        "install with `XDG_STATE_HOME` under a regular file",
        7,
        "aimetenv: error: cannot create the lock folder …/not-a-folder/state/aimetenv/locks: Not a "
        "directory.",
        "refused before anything: no env, the release host got no request",
    ),
    Case(
        "overlay-corrupt",
        "files",
        "install with a catalog overlay cut off in the middle (not YAML any more)",
        7,
        "aimetenv: error: release catalog …/aimetenv/catalog-overlay.yaml: not valid YAML "
        "(…). Reinstall aimetenv, or remove the overlay with 'aimetenv releases --reset'.",
        "the overlay's bytes until `releases --reset` removes it; then install plans again",
    ),
    Case(
        "receipt-corrupt",
        "files",
        "`env` on an env whose receipt was cut off",
        0,
        "",
        "`env` reads the release from the env itself and prints the same block; the receipt "
        "file is left as it was",
        form="success",
    ),
    Case(
        "spec-nested-too-deeply",
        "files",
        "install `--spec FILE`, FILE a YAML list nested 50 000 levels deep (was an internal error)",
        2,
        "aimetenv: error: spec …/deep.yaml: not valid YAML (nested too deeply).",
        "nothing created; the release host got no request",
    ),
    Case(
        "wheelhouse-truncated-manifest",
        "files",
        "install `--wheel-dir DIR`, DIR's manifest.json cut off",
        5,
        "aimetenv: error: …/manifest.json cannot be read as JSON (JSONDecodeError). Make the "
        "wheelhouse again with 'aimetenv download'.",
        "no env created; the wheelhouse's files",
    ),
)

NETWORK_CASES: tuple[Case, ...] = (
    Case(
        "http-404",
        "network",
        "install; the release host answers 404 for a wheel",
        3,
        "aimetenv: error: the release host has no AimetCommon-torch_cpu_1.16.2.py37-cp37-cp37m-"
        "linux_x86_64.whl (http://127.0.0.1:…/1.16.2.py37/AimetCommon-…whl). The catalog's name "
        "for this file is inferred; check 'aimetenv releases 1.16.2.py37', or the layout "
        "<mirror>/<tag>/<file> of --mirror.",
        "no env created, nothing downloaded",
    ),
    Case(
        "http-500",
        "network",
        "install; the release host answers 500 every time",
        3,
        "aimetenv: error: asking the release host for …: … answered 500 Internal Server Error "
        "(gave up after 5 attempts). Check the network (proxy settings come from HTTPS_PROXY), "
        "then run the command again.",
        "no env created, nothing downloaded; 5 requests, no more",
    ),
    Case(
        "http-500-then-ok",
        "network",
        "download; the release host answers 500 twice, then the file",
        0,
        "",
        "the wheelhouse is complete; each file's sha256 matches the host's",
        form="success",
    ),
    Case(
        "host-never-answers",
        "network",
        "install with `AIMETENV_TIMEOUT=1`; the mirror accepts connections and never answers",
        3,
        "aimetenv: error: asking the release host for …: http://127.0.0.1 did not answer within "
        "1 s (gave up after 5 attempts). Check the network (proxy settings come from "
        "HTTPS_PROXY), then run the command again.",
        "no env created, nothing downloaded",
    ),
    Case(
        "host-drips",
        "network",
        "install with `AIMETENV_TIMEOUT=1`; the host sends one byte every 0.2 s",
        3,
        "aimetenv: error: downloading …: http://127.0.0.1 sent … bytes in … s; the transfer "
        "stalled (gave up after 5 attempts). Check the network (proxy settings come from "
        "HTTPS_PROXY), then run the command again; the download resumes where it stopped.",
        "no env created; the bytes that arrived are kept in the `.part` file",
    ),
    Case(
        "connection-cut",
        "network",
        "download; the host drops the connection after 3000 bytes",
        0,
        "",
        "the file is resumed with `Range: bytes=3000-`: no byte is fetched twice",
        form="success",
    ),
    Case(
        "connection-refused",
        "network",
        "install; nothing listens on the mirror's port (was 5 attempts after the env plan)",
        3,
        "aimetenv: error: 127.0.0.1:… (the release host) refused the connection; nothing was "
        "changed. Check the network (proxy settings come from HTTPS_PROXY). Pass --mirror URL "
        "for another host, or install from a wheelhouse ('aimetenv download', then --wheel-dir "
        "DIR --offline).",
        "refused before anything: no env created, nothing downloaded",
    ),
    Case(
        "torch-index-refused",
        "network",
        "install of a PyPI release; nothing listens on the `--torch-index` port (was: the venv "
        "made, pip's retries, then exit 4 on `ResolutionImpossible`)",
        3,
        "aimetenv: error: 127.0.0.1:… (the PyTorch index) refused the connection; nothing was "
        "changed. Check the network (proxy settings come from HTTPS_PROXY). Pass --torch-index "
        "URL for another index, or install from a wheelhouse ('aimetenv download', then "
        "--wheel-dir DIR --offline).",
        "refused before anything: no env created; the package index got no request",
    ),
    Case(
        "redirect-https-to-http",
        "network",
        "install from an https mirror that redirects to plain http on another host",
        3,
        "aimetenv: error: refusing the redirect from https://127.0.0.1:…/1.16.2.py37/AimetCommon"
        "-…whl to http://aimet-mirror.example/…: plain http to a host that is not loopback. Ask "
        "the host for an https URL, or pass --allow-http if this network is trusted.",
        "no env created, nothing downloaded; the https host got one request",
    ),
    Case(
        "redirect-broken-location",
        "network",
        "install; the host redirects to `http://[::1/x` (was an internal error)",
        3,
        "aimetenv: error: refusing the redirect from http://127.0.0.1:…/1.16.2.py37/AimetCommon-"
        "…whl: its location is not a valid URL (Invalid IPv6 URL). The host sent a broken "
        "redirect; tell its operator, or use another mirror.",
        "no env created, nothing downloaded",
    ),
    Case(
        "wheel-truncated",
        "network",
        "install; the host serves a wheel cut off at 3000 bytes (with a matching length)",
        5,
        "aimetenv: error: AimetCommon-…whl from … is not a readable wheel (not a complete zip "
        "archive: File is not a zip file); it was deleted from the download cache, and nothing "
        "was installed. The host sent a damaged, cut-off or different file (an error page?); run "
        "the command again, and if it fails the same way the file on the host is broken.",
        "no env created; the cache holds neither the file nor a sha256 record of it",
    ),
    Case(
        "wheel-is-an-error-page",
        "network",
        "install; a proxy answers the wheel's URL with an HTML page and status 200",
        5,
        "aimetenv: error: AimetCommon-…whl from … is not a readable wheel (…); it was deleted "
        "from the download cache, and nothing was installed. …",
        "no env created; the cache holds neither the file nor a sha256 record of it",
    ),
    Case(
        "cache-holds-a-broken-wheel",
        "network",
        "install; the cache holds a cut-off wheel with a matching sha256 record (an older "
        "aimetenv kept it)",
        0,
        "",
        "the broken copy is replaced by a fresh download and the install completes",
        form="success",
    ),
    Case(
        "sha256-mismatch",
        "network",
        "install after `releases --refresh` learned digests; the mirror serves a different file",
        5,
        "aimetenv: error: AimetCommon-…whl from … has sha256 …, but … was expected; the file "
        "was deleted and nothing was installed. The release host or a proxy served a different "
        "file. Run 'aimetenv releases --refresh' if the release was re-published, then try "
        "again.",
        "no env created; nothing of the file left in the cache",
    ),
    Case(
        "pip-fails-midway",
        "network",
        "install; the index has torch and torchvision but not aimet-torch (step 3 of 6 fails)",
        4,
        "aimetenv: error: step 3/6 failed: install aimet-torch==2.42.0 (pip exit status 1); venv "
        "…, which this install created, was removed (--keep-failed keeps it for inspection). The "
        "full output is in ….",
        "the new env is removed, no receipt; the same command completes once the index has the "
        "file",
        form="pip-failure",
    ),
    Case(
        "pip-fails-keep-failed",
        "network",
        "the same, with `--keep-failed`",
        4,
        "aimetenv: error: step 3/6 failed: install aimet-torch==2.42.0 (pip exit status 1); venv "
        "…, which this install created, was kept (--keep-failed). The full output is in ….",
        "the env is kept and works, with what steps 1-2 installed; no receipt",
        form="pip-failure",
    ),
    Case(
        "pip-fails-existing-env",
        "network",
        "the same into a venv that existed before the install",
        4,
        "aimetenv: error: step 2/5 failed: install aimet-torch==2.42.0 (pip exit status 1); venv "
        "… was changed (installed …torch 2.13.0…); no receipt was written. The full output is in ….",
        "the env is kept and works, with what step 1 installed; no receipt",
        form="pip-failure",
    ),
)

ENV_CASES: tuple[Case, ...] = (
    Case(
        "repeat-broken-env",
        "env",
        "install again into an env whose receipt names the same release, but whose `aimet_torch` "
        'folder was deleted (was "already installed", exit 0)',
        4,
        "aimetenv: error: venv … has AIMET 2.42.0 torch-cpu installed (receipt …), but it does "
        "not work: aimet_torch (aimet_torch) failed: ModuleNotFoundError: No module named "
        "'aimet_torch'; nothing was changed. 'aimetenv doctor --venv …' explains what is wrong; "
        "the same install command with --force reinstalls the AIMET packages in place.",
        "the env and its receipt; the index got no request; the same command with `--force` "
        "repairs it and exits 0",
    ),
)

INTERRUPT_CASES: tuple[Case, ...] = (
    Case(
        "sigint-download",
        "interrupt",
        "SIGINT to install while the host drips a wheel",
        130,
        INTERRUPTED,
        "no env created, no receipt, the rc file; the `.part` is kept and the next run fetches "
        "only the missing bytes, then completes",
    ),
    Case(
        "sigint-env-creation",
        "interrupt",
        "SIGINT to install while conda creates the env (a slow conda stand-in)",
        130,
        "aimetenv: interrupted; conda env (…), which this install created, was removed "
        "(--keep-failed keeps it for inspection).",
        "the half-made env is removed; no receipt; the rc file; the next run completes",
    ),
    Case(
        "sigint-pip",
        "interrupt",
        "SIGINT to install into a new venv while pip waits for a wheel from a held index",
        130,
        "aimetenv: interrupted; venv …, which this install created, was removed (--keep-failed "
        "keeps it for inspection).",
        "the new env is removed; no receipt; the rc file; the next run completes",
    ),
    Case(
        "sigint-pip-existing-env",
        "interrupt",
        "SIGINT to install into an existing venv while pip waits for a wheel from a held index",
        130,
        "aimetenv: interrupted; no package in venv … changed; no receipt was written.",
        "the env works and `pip check` passes; no receipt; the next run completes",
    ),
    Case(
        "sigint-before-receipt",
        "interrupt",
        "SIGINT to install into an existing venv during the smoke test, just before the receipt "
        "is written",
        130,
        "aimetenv: interrupted; venv … was changed (installed aimet …, aimetcommon …, aimettorch "
        "…); no receipt was written.",
        "no receipt; the env works and AIMET in it imports; the rc file; the next run writes the "
        "receipt",
    ),
    Case(
        "receipt-write-interrupted",
        "interrupt",
        "an interrupt (or a full disk) at each step of the atomic write a receipt goes through",
        None,
        "",
        "the previous receipt byte for byte, no temporary file: a receipt is never half-written",
        form="in-process",
    ),
    Case(
        "sigint-wheelhouse",
        "interrupt",
        "SIGINT to `download -d DIR` while the host drips a wheel",
        130,
        INTERRUPTED,
        "DIR holds no file and no staging folder; the next run resumes the `.part` and completes",
    ),
    Case(
        "two-installs-one-env",
        "concurrency",
        "a second install into an env while the first one runs",
        6,
        "aimetenv: error: another aimetenv process is installing into venv … (pid …). Wait for "
        "it to finish, then run the command again.",
        "the first install completes and writes its receipt",
    ),
)

# -- doctor: faults planted for real, and what the report says about them ----------------

_TOO_OLD = (
    "fail  interpreter … Python 2.7 is too old: AIMET and aimetenv's checks need Python 3 (3.6 or "
    "newer; each release names its own)"
)

DOCTOR_CASES: tuple[Case, ...] = (
    Case(
        "doctor-not-an-env",
        "doctor",
        "`doctor --venv /etc`: a folder that is no environment",
        2,
        "aimetenv: error: /etc is not an environment: it has no bin/python, pyvenv.cfg or "
        "conda-meta (--venv given). Name a venv or conda environment, or an interpreter with "
        "--python.",
        "nothing is run in /etc",
    ),
    Case(
        "doctor-venv-is-interpreter",
        "doctor",
        "`doctor --venv ENV/bin/python`: an interpreter given as an environment",
        2,
        "aimetenv: error: …/bin/python is a file, not an environment (--venv given). That is an "
        "interpreter: use --python …/bin/python (or --venv …).",
        "the suggested `--python` line runs the checks",
    ),
    Case(
        "doctor-python-2-7",
        "doctor",
        "`doctor --python` the real pyenv Python 2.7.18",
        1,
        _TOO_OLD,
        "no check claims the interpreter does not run",
        form="report",
    ),
    Case(
        "doctor-closed-stdout",
        "doctor",
        "`doctor` whose reader closed stdout before the report (`doctor | head -1`)",
        0,
        "",
        "the exit code is the checks' verdict, nothing on stderr",
        form="success",
    ),
    Case(
        "doctor-numpy-abi",
        "doctor",
        "an aimet-torch extension compiled against NumPy 1.26 (gcc), then NumPy 2.1.3 installed "
        "by pip",
        1,
        "fail  package-import … was built for NumPy 1.x and NumPy 2.1.3 is installed",
        "the fix `pip install 'numpy<2'` pasted as printed makes the import work",
        form="report",
    ),
    Case(
        "doctor-files-gone",
        "doctor",
        "pip installs onnxruntime-gpu over onnxruntime, then uninstalls onnxruntime",
        1,
        "fail  package-import … onnxruntime-gpu 1.19.2 is installed (its dist-info is there), but "
        "2 of its 2 files in onnxruntime/ are gone: …",
        "the fix names `--force-reinstall --no-deps onnxruntime-gpu==1.19.2`",
        form="report",
    ),
    Case(
        "doctor-deep-crash",
        "doctor",
        "`doctor --deep --check quantize` when an extension AIMET loads dereferences a null "
        "pointer (a real SIGSEGV)",
        1,
        "fail  quantize … crashed: the interpreter was killed by SIGSEGV (signal 11, a "
        "segmentation fault) with torch 2.1.2; the last native module loaded was _C.…",
        "the other checks still report; the fix points at the requirements check",
        form="report",
    ),
)

# -- a failed pip step, translated: the network inside pip, a resolution conflict ------------

PIPFAIL_CASES: tuple[Case, ...] = (
    Case(
        "pip-index-drops-connections",
        "network",
        "install; the index accepts each connection (so the preflight passes) and closes it at "
        'once, as a failing proxy does (was: pip\'s "No matching distribution", exit 4, no host)',
        3,
        "aimetenv: error: step 2/6 failed: install the CPU builds of torch and torchvision from "
        "one index: pip could not reach 127.0.0.1:… (the PyTorch index), which dropped the "
        "connection; venv …, which this install created, was removed (--keep-failed keeps it "
        "for inspection). Check the network (proxy settings come from HTTPS_PROXY), then run "
        "the command again. Pass --torch-index URL for another index, or install from a "
        "wheelhouse ('aimetenv download', then --wheel-dir DIR --offline). The full output is "
        "in ….",
        "the new env is removed, no receipt; the same command completes against a working index",
        form="pip-failure",
    ),
    Case(
        "pip-torchvision-conflict",
        "network",
        "install; the torch index has torch 2.13.0 and a torchvision built for torch 2.9.0 (was: "
        "pip's ResolutionImpossible and its advice to loosen ranges)",
        4,
        "aimetenv: error: step 2/6 failed: install the CPU builds of torch and torchvision from "
        "one index: pip cannot install torch and torchvision==0.24.0 together: The user "
        "requested torch; torchvision 0.24.0 depends on torch==2.9.0; venv …, which "
        "this install created, was removed (--keep-failed keeps it for inspection). Each "
        "torchvision build is made for one torch (this one for torch 2.9.0), and both must come "
        "from the same index: point --torch-index at an index that has torchvision together "
        "with the torch it was built for, as the PyTorch CPU index does. The full output is in ….",
        "the new env is removed, no receipt",
        form="pip-failure",
    ),
)

# -- what the machine lacks, found before anything is fetched or created ---------------------

SYSTEM_CASES: tuple[Case, ...] = (
    Case(
        "system-package-missing",
        "system",
        "install a 1.x release on a Debian system without `liblapacke`, which its libpymo loads "
        "(was: found only after the download and install, by the smoke test)",
        2,
        "aimetenv: error: torch-cpu 1.16.2.py37 needs the Debian package liblapacke, which is "
        "not installed (dpkg-query); nothing was changed. Install it with '…apt-get install -y "
        "liblapacke', or pass --skip-system-check to install without it.",
        NO_REQUEST + "; the same command with --skip-system-check installs",
    ),
    Case(
        "no-space",
        "system",
        "install aimet-onnx 2.42.0 (from PyPI, so the catalog knows its size: 85 MB) into a venv "
        "on a 1 MB filesystem (a real tmpfs)",
        7,
        "aimetenv: error: not enough free space for the environment: …/tiny has 1.0 MB free, the "
        "files of known size need 85.0 MB; pip's dependencies come on top; nothing was changed. "
        "Free some space there, or put the cache elsewhere (XDG_CACHE_HOME) or the environment "
        "(--prefix, --venv).",
        "nothing created on the small filesystem; no host got a request (the space is checked "
        "before the preflight)",
    ),
)

# -- AIMETENV_TIMEOUT: every kind of request gives up after it ---------------------------------

TIMEOUT_CASES: tuple[Case, ...] = (
    Case(
        "host-never-accepts",
        "network",
        "install with `AIMETENV_TIMEOUT=1`; the `--torch-index` port never completes a handshake "
        "(a firewall that drops packets): the preflight's connect",
        3,
        "aimetenv: error: 127.0.0.1:… (the PyTorch index) did not accept a connection within 1 "
        "s; nothing was changed. Check the network (proxy settings come from HTTPS_PROXY). Pass "
        "--torch-index URL for another index, or install from a wheelhouse ('aimetenv download', "
        "then --wheel-dir DIR --offline).",
        "refused before anything: no env created; the package index got no request",
    ),
    Case(
        "pip-index-never-answers",
        "network",
        "install with `AIMETENV_TIMEOUT=1`; the `--torch-index` host accepts connections and never "
        "answers (so the preflight passes): pip gets `--timeout 1`",
        3,
        "aimetenv: error: step 2/6 failed: install the CPU builds of torch and torchvision from "
        "one index: pip could not reach 127.0.0.1:… (the PyTorch index), which did not answer in "
        "time; venv …, which this install created, was removed (--keep-failed keeps it for "
        "inspection). Check the network (proxy settings come from HTTPS_PROXY), then run the "
        "command again. Pass --torch-index URL for another index, or install from a wheelhouse "
        "('aimetenv download', then --wheel-dir DIR --offline). The full output is in ….",
        "the new env is removed, no receipt",
        form="pip-failure",
    ),
    Case(
        "uv-index-never-answers",
        "network",
        "the same with `--installer uv`: uv gets `UV_HTTP_TIMEOUT=1` (it has no option for it)",
        3,
        "aimetenv: error: step 3/6 failed: install the CPU builds of torch and torchvision from "
        "one index: uv could not reach 127.0.0.1:… (the PyTorch index), which did not answer in "
        "time; venv …, which this install created, was removed (--keep-failed keeps it for "
        "inspection). Check the network (proxy settings come from HTTPS_PROXY), then run the "
        "command again. Pass --torch-index URL for another index, or install from a wheelhouse "
        "('aimetenv download', then --wheel-dir DIR --offline). The full output is in ….",
        "the new env is removed, no receipt",
        form="pip-failure",
    ),
    Case(
        "refresh-never-answers",
        "network",
        "`releases --refresh` with `AIMETENV_TIMEOUT=1`; the GitHub API and PyPI hosts accept "
        "connections and never answer",
        3,
        "aimetenv: error: neither source answered (GitHub: reading "
        "http://127.0.0.1:…/repos?per_page=100: http://127.0.0.1 did not answer within 1 s (gave "
        "up after 5 attempts); PyPI: reading http://127.0.0.1:…/pypi/aimet-torch/json: "
        "http://127.0.0.1 did not answer within 1 s (gave up after 5 attempts)). Check the "
        "network (proxy settings come from HTTPS_PROXY), or point --github-api and --pypi-url at "
        "reachable copies of the APIs.",
        "no catalog overlay is written",
    ),
)


# -- download: pip download's failures in the words install uses -------------------------------

DOWNLOAD_CASES: tuple[Case, ...] = (
    Case(
        "download-index-refused",
        "network",
        "`download -d NEW/wh`; the `--torch-index` and `--index-url` port refuses connections "
        '(was: "pip could not download torch and torchvision", no host, and pip\'s last lines)',
        3,
        "aimetenv: error: downloading torch and torchvision failed: pip could not reach "
        "127.0.0.1:… (the PyTorch index), which refused the connection; …, which this download "
        "created, was removed. Check the network (proxy settings come from HTTPS_PROXY), then "
        "run the command again. Pass --torch-index URL for another index. The full output is in "
        "….",
        "the folders download created are removed; the same command against a working index "
        "makes the wheelhouse",
        form="pip-failure",
    ),
)


CASES: tuple[Case, ...] = (
    INPUT_CASES
    + FILE_CASES
    + NETWORK_CASES
    + ENV_CASES
    + INTERRUPT_CASES
    + DOCTOR_CASES
    + PIPFAIL_CASES
    + SYSTEM_CASES
    + TIMEOUT_CASES
    + DOWNLOAD_CASES
)

_BY_ID = {c.id: c for c in CASES}


def case(identifier: str) -> Case:
    """The row called ``identifier``."""
    return _BY_ID[identifier]


__all__ = ["CASES", "DOCTOR_CASES", "INPUT_CASES", "INTERRUPTED", "Case", "Form", "case"]
