"""Catalog refresh: real asset names, their sha256 digests and newer releases, from the APIs.

``releases --refresh`` reads the GitHub releases API of quic/aimet (every page: ``per_page=100``
and the ``Link: rel="next"`` header) and the PyPI JSON API of aimet-torch and aimet-onnx, and
writes a user-level overlay (``paths.overlay_path()``, YAML schema 1, merged by
``catalog.load.merge_overlay``) on top of the packaged catalog:

- For a release the catalog knows, each variant whose every file matches a release asset gets
  the real asset names, ``confidence: verified-asset``, ``evidence: REL <url> (refreshed
  <date>)`` and the ``sha256`` digests the API reports (newer releases have them; older ones do
  not). Other fields of the variant stay as packaged.
- A release newer than every packaged one is added whole. It takes the era and the rules of the
  newest packaged release (its template): each of the template's variants is looked for among
  the new release's assets (the template's file name with the new version) and on PyPI (the
  template's project at the new version, yanked files ignored).

Matching asset names uses the same knowledge as the catalog: legacy ``<Pkg>-<token>_<tag>-...``,
``aimet_<fw>-<token>_<tag>-...``, ``aimet_<token>-<tag>-...``, ``aimet_<fw>-<ver>.<cuXYZ|cpu>-...``,
``aimet_<fw>-<ver>+<cuXYZ|cpu>-...`` and the untagged GPU wheels of 2.39 and later; ``aimet_tf``
and ``aimet_tensorflow`` are one framework. Nothing is written unless every request succeeded and
the new overlay merges cleanly; ``--reset`` deletes the overlay.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from packaging.version import InvalidVersion, Version

from aimetenv.errors import FileError, NetworkError
from aimetenv.fetch.http import HttpClient, RetryableError
from aimetenv.fsutil import atomic_write_text

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from pathlib import Path

    import requests

    from aimetenv.catalog.model import Catalog, Release, Source, Variant

DEFAULT_GITHUB_API = "https://api.github.com/repos/quic/aimet/releases"
DEFAULT_PYPI_JSON = "https://pypi.org/pypi"
PYPI_PROJECTS = ("aimet-torch", "aimet-onnx")
MAX_PAGES = 50
_TAG_RE = re.compile(r"^\d+\.\d+\.\d+(\.post\d+)?(\.py37)?$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_LEGACY_DISTS = frozenset({"AimetCommon", "AimetTorch", "AimetTensorflow", "AimetOnnx", "Aimet"})
_NEW_DISTS = {"aimet_torch": "aimet_torch", "aimet_onnx": "aimet_onnx", "aimet_tf": "aimet_tf",
              "aimet_tensorflow": "aimet_tf"}  # fmt: skip
_VARIANT_PART = r"(?:tf|torch|onnx)_(?:cpu|gpu)(?:_[a-z]+\d+)?"
_TOKEN_VERSION = re.compile(rf"^(?P<token>{_VARIANT_PART})_(?P<version>\d+\.\d+\.\d+(?:\.py37)?)$")
_TOKEN_DIST = re.compile(rf"^aimet_(?P<token>{_VARIANT_PART})$")
_LOCAL_VERSION = re.compile(
    r"^(?P<version>\d+\.\d+\.\d+(?:\.post\d+)?)(?:[.+](?P<local>cu\d+|cpu))?$"
)


# asset names


@dataclass(frozen=True)
class AssetKey:
    """What an AIMET wheel name says: its package, variant token or local tag, version, tags."""

    role: str
    """The package: ``AimetCommon`` ... ``Aimet`` (1.x), or ``aimet_torch``/``aimet_onnx``/``aimet_tf``."""
    token: str | None
    """The variant token of 1.x names (``torch_gpu_pt113``), or None."""
    local: str | None
    """``cu121``, ``cpu``, or None (no local tag) for the ``aimet_<fw>`` names of 1.33 on."""
    version: str
    tags: str
    """``cp310-cp310-manylinux_2_34_x86_64``."""

    @property
    def linux(self) -> bool:
        """Installable on Linux x86_64 (not a Windows or macOS build)."""
        platform = self.tags.rsplit("-", 1)[-1]
        return platform == "any" or platform.startswith(("linux_", "manylinux"))

    @property
    def accelerator(self) -> str:
        """``cpu`` or ``gpu`` (untagged wheels of 2.39 and later are the GPU build)."""
        marker = self.token or self.local or "gpu"
        return "cpu" if marker.endswith("cpu") or "_cpu" in marker else "gpu"


def classify(name: str) -> AssetKey | None:
    """Read an AIMET wheel name (any era); None when it is not one."""
    if not name.endswith(".whl"):
        return None
    parts = name[: -len(".whl")].split("-")
    if len(parts) < 5:  # noqa: PLR2004  # dist-version-python-abi-platform
        return None
    dist, version, tags = parts[0], "-".join(parts[1:-3]), "-".join(parts[-3:])
    if dist in _LEGACY_DISTS:
        return _classify_legacy(dist, version, tags)
    return _classify_new(dist.lower(), version, tags)


def _classify_legacy(dist: str, version: str, tags: str) -> AssetKey | None:
    tokened = _TOKEN_VERSION.match(version)
    if tokened:
        return AssetKey(dist, tokened.group("token"), None, tokened.group("version"), tags)
    if re.match(r"^\d+\.\d+\.\d+$", version):  # the combined TF+Torch GPU build of 1.13-1.16.0
        return AssetKey(dist, "tf_torch_gpu", None, version, tags)
    return None


def _classify_new(low: str, version: str, tags: str) -> AssetKey | None:
    tokened = _TOKEN_VERSION.match(version)
    if low in _NEW_DISTS and tokened:
        return AssetKey(
            _NEW_DISTS[low], tokened.group("token"), None, tokened.group("version"), tags
        )
    token_dist = _TOKEN_DIST.match(low)
    if token_dist and re.match(r"^\d+\.\d+\.\d+$", version):
        token = token_dist.group("token")
        return AssetKey(f"aimet_{token.split('_', 1)[0]}", token, None, version, tags)
    local = _LOCAL_VERSION.match(version)
    if low in _NEW_DISTS and local:
        return AssetKey(_NEW_DISTS[low], None, local.group("local"), local.group("version"), tags)
    return None


# API documents


@dataclass(frozen=True)
class Asset:
    """One file of a GitHub release."""

    name: str
    url: str
    size: int | None
    sha256: str | None


@dataclass(frozen=True)
class GithubRelease:
    """One entry of the GitHub releases API."""

    tag: str
    html_url: str
    published: str | None
    draft: bool
    prerelease: bool
    assets: tuple[Asset, ...]


@dataclass(frozen=True)
class PypiFile:
    """One file of a PyPI release (the JSON API's ``releases`` entries)."""

    filename: str
    sha256: str | None
    requires_python: str | None
    uploaded: str | None


def _digest(value: object) -> str | None:
    if isinstance(value, str) and value.lower().startswith("sha256:"):
        text = value.split(":", 1)[1].lower()
        return text if _HEX64.match(text) else None
    return None


def parse_github_page(data: object, url: str) -> list[GithubRelease]:
    """The releases of one API page; NetworkError when it is not the API's shape."""
    if not isinstance(data, list):
        raise NetworkError(f"{url} did not answer with a list of releases", code="bad-response")
    releases = []
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("tag_name"), str):
            continue
        assets = []
        for raw in item.get("assets") or []:
            if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
                continue
            size = raw.get("size")
            assets.append(
                Asset(
                    name=raw["name"],
                    url=str(raw.get("browser_download_url") or ""),
                    size=size if isinstance(size, int) else None,
                    sha256=_digest(raw.get("digest")),
                )
            )
        published = item.get("published_at")
        releases.append(
            GithubRelease(
                tag=item["tag_name"].strip(),
                html_url=str(item.get("html_url") or url),
                published=published[:10] if isinstance(published, str) else None,
                draft=bool(item.get("draft")),
                prerelease=bool(item.get("prerelease")),
                assets=tuple(assets),
            )
        )
    return releases


def parse_pypi(data: object, url: str) -> dict[str, tuple[PypiFile, ...]]:
    """``{version: files}`` of the PyPI JSON API, yanked files left out."""
    if not isinstance(data, dict) or not isinstance(data.get("releases"), dict):
        raise NetworkError(f"{url} is not a PyPI JSON API document", code="bad-response")
    result: dict[str, tuple[PypiFile, ...]] = {}
    for version, files in data["releases"].items():
        kept = []
        for raw in files if isinstance(files, list) else []:
            if (
                not isinstance(raw, dict)
                or raw.get("yanked")
                or not isinstance(raw.get("filename"), str)
            ):
                continue
            digests = raw.get("digests")
            sha = str(digests.get("sha256", "")).lower() if isinstance(digests, dict) else ""
            uploaded = raw.get("upload_time_iso_8601") or raw.get("upload_time")
            requires = raw.get("requires_python")
            kept.append(
                PypiFile(
                    filename=raw["filename"],
                    sha256=sha if _HEX64.match(sha) else None,
                    requires_python=requires if isinstance(requires, str) and requires else None,
                    uploaded=uploaded[:10] if isinstance(uploaded, str) else None,
                )
            )
        if kept:
            result[str(version)] = tuple(kept)
    return result


def _rate_limited(response: requests.Response) -> NetworkError | None:
    if (
        response.status_code not in (403, 429)
        or response.headers.get("X-RateLimit-Remaining") != "0"
    ):
        return None
    reset = response.headers.get("X-RateLimit-Reset", "")
    when = ""
    if reset.isdigit():
        moment = datetime.fromtimestamp(int(reset), tz=timezone.utc)
        when = f" until {moment:%H:%M} UTC"
    return NetworkError(
        f"the GitHub API rate limit is used up{when}",
        hint="Wait and run 'aimetenv releases --refresh' again.",
        code="rate-limited",
    )


def get_json(client: HttpClient, url: str) -> tuple[Any, requests.Response]:
    """GET a JSON document with retries; 404 and other errors become ``NetworkError``."""
    import requests  # noqa: PLC0415  # start-up speed

    def attempt() -> tuple[Any, requests.Response]:
        response = client.open("GET", url, {"Accept": "application/json"})
        with contextlib.closing(response):
            limited = _rate_limited(response)
            if limited is not None:
                raise limited
            retry = client.retry_status(response)
            if retry is not None:
                raise retry
            status = response.status_code
            if status != 200:  # noqa: PLR2004  # OK
                raise NetworkError(
                    f"{url} answered {status} {response.reason or ''}".rstrip(),
                    hint="Check --github-api / --pypi-url (or AIMETENV_GITHUB_API / "
                    "AIMETENV_PYPI_JSON).",
                    code="not-found" if status in (404, 410) else f"http-{status}",
                )
            try:
                return response.json(), response
            except ValueError:
                raise NetworkError(f"{url} did not answer with JSON", code="bad-response") from None
            except requests.exceptions.RequestException as error:
                raise RetryableError(
                    f"reading {url} broke off ({type(error).__name__})", code="connection"
                ) from None

    return client.call(
        attempt,
        f"reading {url}",
        hint="Check the network (proxy settings come from HTTPS_PROXY), or point --github-api "
        "and --pypi-url at reachable copies of the APIs.",
    )


def fetch_github(client: HttpClient, api: str) -> list[GithubRelease]:
    """Every release, following ``Link: rel="next"`` (at most 50 pages of 100)."""
    url: str | None = api + ("&" if "?" in api else "?") + "per_page=100"
    releases: list[GithubRelease] = []
    seen: set[str] = set()
    for _page in range(MAX_PAGES):
        if url is None or url in seen:
            break
        seen.add(url)
        data, response = get_json(client, url)
        releases.extend(parse_github_page(data, url))
        url = response.links.get("next", {}).get("url")
    return releases


def fetch_pypi(
    client: HttpClient, base: str, project: str
) -> dict[str, tuple[PypiFile, ...]] | None:
    """``{version: files}`` of one project; None when PyPI does not know it."""
    url = f"{base.rstrip('/')}/{project}/json"
    try:
        data, _response = get_json(client, url)
    except NetworkError as error:
        if error.code == "not-found":
            return None
        raise
    return parse_pypi(data, url)


# matching


def _match(wanted: Sequence[str], assets: Sequence[Asset]) -> list[Asset] | None:
    """The asset for each wanted file name, in order, or None when any has no single match."""
    by_name = {a.name: a for a in assets}
    keyed = [(a, k) for a in assets if (k := classify(a.name)) is not None and k.linux]
    found: list[Asset] = []
    for name in wanted:
        if name in by_name:
            found.append(by_name[name])
            continue
        key = classify(name)
        if key is None:
            return None
        same = [
            a
            for a, k in keyed
            if (k.role, k.token, k.local, k.version)
            == (key.role, key.token, key.local, key.version)
        ]
        if len(same) > 1:
            same = [a for a in same if a.name.endswith(f"-{key.tags}.whl")]
        if len(same) != 1:
            return None
        found.append(same[0])
    return found


def _fallback(
    wanted: Sequence[str], assets: Sequence[Asset], claimed: set[str]
) -> list[Asset] | None:
    """For local-tag names only: the one unclaimed asset of the same package and accelerator."""
    found: list[Asset] = []
    for name in wanted:
        key = classify(name)
        if key is None or key.token is not None:
            return None
        options = [
            a
            for a in assets
            if a.name not in claimed
            and (k := classify(a.name)) is not None
            and k.linux
            and k.token is None
            and (k.role, k.version, k.accelerator) == (key.role, key.version, key.accelerator)
        ]
        if len(options) != 1:
            return None
        found.append(options[0])
    return found


# overlay


def _source_dict(source: Source, assets: Sequence[Asset], evidence: str) -> dict[str, Any]:
    wheels: list[Any] = []
    for wheel, asset in zip(source.wheels, assets):
        wheels.append({"file": asset.name, "find_links": True} if wheel.find_links else asset.name)
    data: dict[str, Any] = {
        "wheels": wheels,
        "python": source.python,
        "python_default": source.python_default,
        "glibc": source.glibc,
    }
    if source.pip:
        data["pip"] = source.pip
    if source.pins:
        data["pins"] = dict(source.pins)
    if source.torch:
        data["torch"] = source.torch
    if source.replace:
        data["replace"] = dict(source.replace)
    if source.note:
        data["note"] = source.note
    data["confidence"] = "verified-asset"
    data["evidence"] = evidence
    digests = {a.name: a.sha256 for a in assets if a.sha256}
    if digests:
        data["sha256"] = digests
    return data


@dataclass
class _Tally:
    verified: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    digests: int = 0


def _known_release(
    release: Release, remote: GithubRelease, date: str, tally: _Tally
) -> dict[str, Any] | None:
    evidence = f"REL {remote.html_url} (refreshed {date})"
    chosen: dict[str, list[Asset]] = {}
    pending: list[Variant] = []
    for variant in release.variants.values():
        if variant.github is None or not variant.shipped:
            continue
        found = _match([w.filename for w in variant.github.wheels], remote.assets)
        if found is None:
            pending.append(variant)
        else:
            chosen[variant.id] = found
    claimed = {a.name for found in chosen.values() for a in found}
    for variant in pending:
        assert variant.github is not None  # noqa: S101  # filtered above
        found = _fallback([w.filename for w in variant.github.wheels], remote.assets, claimed)
        if found is None:
            tally.unmatched.append(f"{release.tag} {variant.id}")
            continue
        chosen[variant.id] = found
        claimed.update(a.name for a in found)
    if not chosen:
        return None
    variants: dict[str, Any] = {}
    for variant_id, assets in chosen.items():
        github = release.variants[variant_id].github
        assert github is not None  # noqa: S101  # chosen only for variants with a github source
        variants[variant_id] = {"github": _source_dict(github, assets, evidence)}
        tally.verified.append(f"{release.tag} {variant_id}")
        tally.digests += sum(1 for a in assets if a.sha256)
    return {"tag": release.tag, "variants": variants}


def _version_of(text: str) -> Version | None:
    try:
        return Version(text.removesuffix(".py37"))
    except InvalidVersion:
        return None


def _renamed(filename: str, old: str, new: str) -> str:
    return re.sub(rf"(?<=[-_]){re.escape(old)}(?=[-+.])", new, filename, count=1)


def _with_cpu(filename: str, version: str) -> str:
    return filename.replace(f"-{version}-", f"-{version}+cpu-", 1)


def _pypi_tags(files: Iterable[PypiFile]) -> list[str]:
    tags: list[str] = []
    for item in files:
        found = classify_tags(item.filename) if item.filename.endswith(".whl") else None
        if found is not None and found not in tags:
            tags.append(found)
    return tags


def classify_tags(filename: str) -> str | None:
    """The ``python-abi-platform`` of a Linux or pure wheel name; None for other platforms."""
    parts = filename[: -len(".whl")].split("-")
    if len(parts) < 5:  # noqa: PLR2004  # dist-version-python-abi-platform
        return None
    platform = parts[-1]
    if platform != "any" and not platform.startswith(("linux_", "manylinux")):
        return None
    return "-".join(parts[-3:])


def _glibc_of(tags: Sequence[str], fallback: str | None) -> str | None:
    floors = []
    for tag in tags:
        for platform in tag.rsplit("-", 1)[-1].split("."):
            found = re.match(r"^manylinux_(\d+)_(\d+)_", platform)
            if found:
                floors.append((int(found.group(1)), int(found.group(2))))
    if floors:
        major, minor = min(floors)
        return f"{major}.{minor}"
    if tags and all(t.endswith("-any") for t in tags):
        return None
    return fallback


def _new_github(
    template: Release, variant: Variant, remote: GithubRelease | None, tag: str, date: str
) -> tuple[dict[str, Any], list[Asset]] | None:
    if remote is None or variant.github is None:
        return None
    wanted = [_renamed(w.filename, template.tag, tag) for w in variant.github.wheels]
    found = None
    if variant.accelerator == "cpu":
        # The template may use the GPU wheel for CPU (no +cpu asset that release); prefer a
        # +cpu asset when the new release has one again.
        found = _match([_with_cpu(name, tag) for name in wanted], remote.assets)
    found = found or _match(wanted, remote.assets)
    if found is None:
        return None
    data = _source_dict(variant.github, found, f"REL {remote.html_url} (refreshed {date})")
    data.pop("note", None)
    return data, found


def _new_pypi(
    variant: Variant, pypi: Mapping[str, Mapping[str, tuple[PypiFile, ...]]], tag: str, base: str,
    date: str,
) -> dict[str, Any] | None:  # fmt: skip
    source = variant.pypi
    if source is None or source.requirement is None:
        return None
    project = source.requirement.split("==", 1)[0]
    files = pypi.get(project, {}).get(tag)
    if not files:
        return None
    tags = _pypi_tags(files)
    if not tags:
        return None
    requires = next((f.requires_python for f in files if f.requires_python), None)
    data: dict[str, Any] = {
        "requirement": f"{project}=={tag}",
        "wheel_tags": tags,
        "python": requires or source.python,
        "python_default": source.python_default,
        "glibc": _glibc_of(tags, source.glibc),
    }
    if source.torch:
        data["torch"] = source.torch
    if source.replace:
        data["replace"] = dict(source.replace)
    if source.pins:
        data["pins"] = dict(source.pins)
    data["confidence"] = "verified-pypi"
    data["evidence"] = f"PYPI {base.rstrip('/')}/{project}/json (refreshed {date})"
    return data


def _new_release(  # the inputs of one new entry
    template: Release,
    *,
    tag: str,
    remote: GithubRelease | None,
    pypi: Mapping[str, Mapping[str, tuple[PypiFile, ...]]],
    pypi_base: str,
    date: str,
    tally: _Tally,
) -> dict[str, Any] | None:
    variants: dict[str, Any] = {}
    for variant in template.variants.values():
        if not variant.shipped:
            continue
        entry: dict[str, Any] = {}
        github = _new_github(template, variant, remote, tag, date)
        if github is not None:
            entry["github"] = github[0]
            tally.digests += sum(1 for a in github[1] if a.sha256)
        pypi_source = _new_pypi(variant, pypi, tag, pypi_base, date)
        if pypi_source is not None:
            entry["pypi"] = pypi_source
        if entry:
            if variant.cuda:
                entry["cuda"] = variant.cuda
            if variant.aliases:
                entry["aliases"] = list(variant.aliases)
            variants[variant.id] = entry
    if not variants:
        tally.skipped.append(f"{tag}: no file matches the files of {template.tag}'s variants")
        return None
    hosting = [k for k in ("github", "pypi") if any(k in v for v in variants.values())]
    prefer = template.prefer if template.prefer in hosting else hosting[0]
    uploaded = sorted(
        f.uploaded for project in pypi.values() for f in project.get(tag, ()) if f.uploaded
    )
    date_of_release = (remote.published if remote else None) or (uploaded[0] if uploaded else None)
    tally.added.append(tag)
    return {
        "tag": tag,
        "date": date_of_release,
        "era": template.era,
        "hosting": hosting,
        "prefer": prefer,
        "python_default": template.python_default,
        "confidence": "verified-asset" if "github" in hosting else "verified-pypi",
        "evidence": f"added by 'aimetenv releases --refresh' on {date}; rules of era "
        f"{template.era} (as {template.tag})",
        "variants": variants,
    }


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh read and what it wrote."""

    path: Path
    github_api: str
    pypi_url: str
    date: str
    github_releases: int
    pypi_versions: Mapping[str, int]
    verified: tuple[str, ...]
    """``"<tag> <variant>"`` for each variant whose asset names are now verified."""
    unmatched: tuple[str, ...]
    added: tuple[str, ...]
    digests: int
    skipped: tuple[str, ...]

    @property
    def verified_tags(self) -> tuple[str, ...]:
        """The known releases with at least one verified variant."""
        return tuple(dict.fromkeys(v.split(" ", 1)[0] for v in self.verified))

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "overlay": str(self.path),
            "github_api": self.github_api,
            "pypi_url": self.pypi_url,
            "date": self.date,
            "github_releases": self.github_releases,
            "pypi_versions": dict(self.pypi_versions),
            "verified": list(self.verified),
            "unmatched": list(self.unmatched),
            "added": list(self.added),
            "digests": self.digests,
            "skipped": list(self.skipped),
        }


def _usable(releases: Sequence[GithubRelease], tally: _Tally) -> dict[str, GithubRelease]:
    """Published releases with a release-shaped tag, by tag (drafts and pre-releases left out)."""
    usable: dict[str, GithubRelease] = {}
    for remote in releases:
        if remote.draft or remote.prerelease:
            tally.skipped.append(f"{remote.tag}: draft or pre-release")
        elif not _TAG_RE.match(remote.tag):
            tally.skipped.append(f"{remote.tag}: not a release tag")
        else:
            usable.setdefault(remote.tag, remote)
    return usable


def build_overlay(  # the inputs of the overlay, all read before anything is written
    catalog: Catalog,
    releases: Sequence[GithubRelease],
    pypi: Mapping[str, Mapping[str, tuple[PypiFile, ...]]],
    *,
    pypi_base: str,
    date: str,
) -> tuple[dict[str, Any], _Tally]:
    """The overlay document for the packaged ``catalog`` and what the APIs said."""
    tally = _Tally()
    known = {r.tag: r for r in catalog.releases}
    template = catalog.releases[-1]
    remote_by_tag = _usable(releases, tally)
    entries: list[dict[str, Any]] = []
    for tag, remote in remote_by_tag.items():
        if tag in known:
            entry = _known_release(known[tag], remote, date, tally)
            if entry is not None:
                entries.append(entry)
    candidates = set(remote_by_tag) | {v for files in pypi.values() for v in files}
    new_tags = []
    for tag in sorted(candidates):
        version = _version_of(tag)
        if tag in known or version is None or not _TAG_RE.match(tag):
            continue
        if version > template.version:
            new_tags.append(tag)
        elif tag in remote_by_tag:
            tally.skipped.append(f"{tag}: older than {template.tag} and not in the catalog")
    for tag in sorted(new_tags, key=lambda t: _version_of(t) or template.version):
        entry = _new_release(
            template,
            tag=tag,
            remote=remote_by_tag.get(tag),
            pypi=pypi,
            pypi_base=pypi_base,
            date=date,
            tally=tally,
        )
        if entry is not None:
            entries.append(entry)
    return {"schema": 1, "releases": entries}, tally


def refresh(  # one keyword per input
    *,
    catalog: Catalog,
    overlay: Path,
    github_api: str = DEFAULT_GITHUB_API,
    pypi_url: str = DEFAULT_PYPI_JSON,
    client: HttpClient | None = None,
    today: str | None = None,
) -> RefreshResult:
    """Read the APIs, build the overlay for the packaged ``catalog`` and write it atomically.

    ``catalog`` must be the packaged catalog (the overlay is rebuilt from scratch each time).
    Any network failure raises ``NetworkError`` (exit 3) before the old overlay is touched.
    """
    import yaml  # noqa: PLC0415  # only when writing

    from aimetenv.catalog.load import merge_overlay  # noqa: PLC0415  # the YAML loader only when an overlay is written

    http = client or HttpClient()
    date = today or datetime.now(timezone.utc).date().isoformat()
    try:
        releases = fetch_github(http, github_api)
        pypi: dict[str, dict[str, tuple[PypiFile, ...]]] = {}
        skipped: list[str] = []
        for project in PYPI_PROJECTS:
            found = fetch_pypi(http, pypi_url, project)
            if found is None:
                skipped.append(f"{project}: not on {pypi_url}")
                continue
            pypi[project] = found
    finally:
        if client is None:
            http.close()
    document, tally = build_overlay(catalog, releases, pypi, pypi_base=pypi_url, date=date)
    header = (
        f"# The aimetenv catalog overlay, written by 'aimetenv releases --refresh' on {date}\n"
        f"# from {github_api} and {pypi_url}. 'aimetenv releases --reset' removes it.\n"
    )
    text = header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    merge_overlay(catalog, text, str(overlay))
    atomic_write_text(overlay, text)
    return RefreshResult(
        path=overlay,
        github_api=github_api,
        pypi_url=pypi_url,
        date=date,
        github_releases=len(releases),
        pypi_versions={name: len(versions) for name, versions in pypi.items()},
        verified=tuple(tally.verified),
        unmatched=tuple(tally.unmatched),
        added=tuple(tally.added),
        digests=tally.digests,
        skipped=tuple(skipped + tally.skipped),
    )


def reset(overlay: Path) -> bool:
    """Delete the overlay; False when there was none."""
    try:
        overlay.unlink()
    except FileNotFoundError:
        return False
    except OSError as error:
        raise FileError(
            f"cannot remove {overlay}: {error.strerror or error}", code="overlay-unwritable"
        ) from None
    return True


__all__ = [
    "DEFAULT_GITHUB_API",
    "DEFAULT_PYPI_JSON",
    "PYPI_PROJECTS",
    "Asset",
    "AssetKey",
    "GithubRelease",
    "PypiFile",
    "RefreshResult",
    "build_overlay",
    "classify",
    "classify_tags",
    "fetch_github",
    "fetch_pypi",
    "get_json",
    "parse_github_page",
    "parse_pypi",
    "refresh",
    "reset",
]
