# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""The artifacts table, resolved: for each (artifact, version, architecture) the upstream URL, the path
in a mirror, where to fetch it from, the checksum to hold it to and which files to take from it.

Checksums pinned in the table always win. A mirror's own checksum file (SHA256SUMS style) is read
only when the operator names it, and only for artifacts the table has no checksum for."""

from __future__ import annotations

import hashlib
import re

ALGORITHMS = {"sha256": 64, "sha512": 128}
CHECKSUM = re.compile(r"^(sha256|sha512):([0-9a-f]+)\Z")
SUMS_LINE = re.compile(r"^([0-9a-fA-F]+)\s+\*?(\S.*)$")


class ArtifactError(Exception):
    """Bad artifact table, version, architecture or mirror checksum file."""


def version_variable(component):
    return f"rktnetes_{component}_version"


def normalize_version(version):
    """'v1.10.13' and '1.10.13' name the same release; the table keys carry no 'v'."""
    text = str(version).strip()
    return text[1:] if text[:1] == "v" else text


def parse_checksum(text):
    """('sha256', hex) from 'sha256:<hex>'; the hex length must fit the algorithm."""
    match = CHECKSUM.match(str(text).strip().lower())
    if not match or len(match[2]) != ALGORITHMS[match[1]]:
        raise ArtifactError(f"checksum {text!r} is not 'sha256:<64 hex>' or 'sha512:<128 hex>'")
    return match[1], match[2]


def digest_file(path, algorithm, chunk=1 << 20):
    hasher = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(chunk), b""):
            hasher.update(block)
    return hasher.hexdigest()


def parse_sums(text, source="the mirror checksum file"):
    """{mirror path: 'sha256:<hex>'} from `sha256sum`/`sha512sum` output (algorithm by hex length)."""
    sums = {}
    for number, raw in enumerate(str(text).splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = SUMS_LINE.match(line)
        algorithm = next((name for name, size in ALGORITHMS.items() if match and len(match[1]) == size), None)
        if not algorithm:
            raise ArtifactError(
                f"{source} line {number}: expected '<sha256 or sha512 hex>  <path in the mirror>', got {raw!r}"
            )
        path = match[2].strip()
        path = path[2:] if path.startswith("./") else path
        sums[path] = f"{algorithm}:{match[1].lower()}"
    return sums


def join_location(base, path):
    return f"{str(base).rstrip('/')}/{path}"


def _fill(template, fields, name, key):
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError) as exc:
        raise ArtifactError(f"artifacts table: {name}.{key} {template!r} does not format: {exc}") from None


def resolve(catalog, name, version, arch, mirror="", mirror_sums=None):
    """One artifact for one version and architecture, or ArtifactError naming what to change."""
    entry = catalog.get(name)
    if entry is None:
        raise ArtifactError(f"artifacts table has no artifact {name!r} (known: {', '.join(sorted(catalog))})")
    component = entry.get("component", name)
    variable = version_variable(component)
    wanted = normalize_version(version)
    if not wanted:
        raise ArtifactError(f"{variable}: empty version")
    fields = {"version": wanted, "arch": arch}
    arches = entry.get("arches")
    if arches and arch not in arches:
        raise ArtifactError(
            f"{name} is built upstream only for {', '.join(arches)}, not {arch}: set rktnetes_arch for those hosts "
            "to a supported architecture or put a build of your own in a mirror"
        )
    mirror_path = _fill(entry["mirror_path"], fields, name, "mirror_path")
    if entry.get("mirror_only") and not mirror:
        raise ArtifactError(
            f"{name} is not published upstream: build it yourself and serve it from a mirror "
            f"(artifacts_mirror) at {mirror_path}, with its checksum in the mirror's checksum file"
        )
    kind = entry.get("kind", "file")
    if kind == "image":
        # A container image: its checksum is the digest of its manifest (the manifest.json of a
        # mirror's skopeo dir: layout), which the nodes pull it by.
        url = f"docker://{entry['repository']}:{wanted}"
    elif entry.get("url"):
        url = _fill(entry["url"], fields, name, "url")
    else:
        url = f"(none: {name} is not published upstream)"
    integrity = entry.get("integrity", "checksum")
    checksum, checksum_source = None, integrity
    if integrity == "checksum":
        pinned = (entry.get("checksums") or {}).get(wanted, {}).get(arch)
        if pinned:
            checksum, checksum_source = pinned, "table"
        elif mirror_sums and mirror_path in mirror_sums:
            checksum, checksum_source = mirror_sums[mirror_path], "mirror"
        else:
            pinned_versions = ", ".join(sorted(entry.get("checksums") or {})) or "none"
            raise ArtifactError(
                f"{variable}: no pinned checksum for {name} {wanted} (linux/{arch}); pinned versions: "
                f"{pinned_versions}. Choose one of those, or serve this version from a mirror whose checksum "
                f"file (artifacts_mirror_checksums) lists {mirror_path}"
            )
        parse_checksum(checksum)
    elif integrity != "openpgp":
        raise ArtifactError(f"artifacts table: {name}.integrity must be checksum or openpgp, not {integrity!r}")
    files = {file: _fill(member, fields, name, "files") for file, member in (entry.get("files") or {}).items()}
    return {
        "key": f"{name}/{arch}",
        "name": name,
        "kind": kind,
        "repository": entry.get("repository"),
        "component": component,
        "version": wanted,
        "arch": arch,
        "url": url,
        "mirror_path": mirror_path,
        "source": join_location(mirror, mirror_path) if mirror else url,
        "checksum": checksum,
        "checksum_source": checksum_source,
        "archive": kind == "file" and bool(entry.get("archive", True)),
        "files": files,
        "cache_dir": f"{name}/{wanted}/{arch}",
        "cache_file": f"{name}/{wanted}/{arch}/{mirror_path.rsplit('/', 1)[-1]}",
    }


def plan(
    catalog, versions, arches, names=None, mirror="", mirror_sums_text="", mirror_sums_name="", stage1_flavor=None
):
    """Every wanted artifact for every architecture: {'artifacts': {key: entry}, 'problems': [...]}.

    Without `names`: the whole table, less optional artifacts and those of other stage1 flavors.

    Problems are collected, not raised, so that preflight can report them with its own."""
    problems = []
    mirror_sums = {}
    if mirror_sums_text:
        try:
            mirror_sums = parse_sums(mirror_sums_text, f"artifacts_mirror_checksums ({mirror_sums_name})")
        except ArtifactError as exc:
            problems.append(str(exc))
    if names is None:
        wanted_names = sorted(
            name
            for name, entry in catalog.items()
            if entry.get("stage1_flavor", stage1_flavor) == stage1_flavor and not entry.get("optional")
        )
    else:
        wanted_names = list(dict.fromkeys(names))
    artifacts = {}
    for name in wanted_names:
        component = (catalog.get(name) or {}).get("component", name)
        version = (versions or {}).get(component)
        for arch in sorted(set(arches)):
            try:
                if name in catalog and version is None:
                    raise ArtifactError(f"{version_variable(component)}: no version chosen for {name}")
                entry = resolve(catalog, name, version, arch, mirror, mirror_sums)
            except ArtifactError as exc:
                if str(exc) not in problems:
                    problems.append(str(exc))
                continue
            artifacts[entry["key"]] = entry
    return {
        "artifacts": artifacts,
        "problems": problems,
        "versions": dict(versions or {}),
    }


def image_reference(entry, registry="", by_digest=False):
    """Where an image entry comes from: <registry or upstream>/<path>:<version>, or @<digest>.

    Nodes pull the tag: the v1.10 kubelet's rkt runtime finds a fetched image by its tag only, so
    the rkt_docker_image module holds what the tag gives to the pinned digest on every node first.
    `registry` (host[:port], e.g. an air-gapped site's own) replaces the upstream registry."""
    repository = entry["repository"]
    host, _slash, path = repository.partition("/")
    if "." not in host and ":" not in host and host != "localhost":
        host, path = "docker.io", repository  # a Docker Hub short name
    if registry:
        host = str(registry).rstrip("/")
    return f"{host}/{path}@{entry['checksum']}" if by_digest else f"{host}/{path}:{entry['version']}"
