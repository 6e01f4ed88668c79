# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""An ACI's layout as appc's aci/layout.go ValidateArchive checks it and as rkt 1.30.0 renders it
(appc pkg/acirenderer getACIFiles, rkt pkg/tar ExtractTarInsecure/extractFile): the manifest is
the first entry whose cleaned name is `manifest` (aci/file.go ManifestFromImage), everything
else lies under rootfs/, and each entry rkt renders can be created where and when rkt creates
it. Nothing is written. Module rules stricter than rkt (absolute or '..' names, names that are
not UTF-8 or too long for Linux, links out of rootfs/, a second manifest) say so in the refusal;
docs/image-trust.md lists each case."""

from __future__ import annotations

from ansible_collections.rktnetes.cluster.plugins.module_utils.aci_errors import ImageError
from ansible_collections.rktnetes.cluster.plugins.module_utils.appc_manifest import check_manifest
from ansible_collections.rktnetes.cluster.plugins.module_utils.go_tar import show_name

MAX_MANIFEST = 1 << 20  # module bound (rkt reads any size): keeps memory flat
MAX_NAME = 4095  # Linux PATH_MAX - 1: a longer path cannot be created when rkt renders
MAX_COMPONENT = 255  # Linux NAME_MAX
EXTRACTABLE = frozenset(b"0123456g")  # pkg/tar extractFile; any other type fails the render


def go_clean(path):
    """path/filepath.Clean for slash-separated bytes."""
    rooted, parts = path.startswith(b"/"), []
    for element in path.split(b"/"):
        if element in (b"", b"."):
            continue
        if element != b"..":
            parts.append(element)
        elif parts and parts[-1] != b"..":
            parts.pop()
        elif not rooted:
            parts.append(b"..")
    cleaned = (b"/" if rooted else b"") + b"/".join(parts)
    return cleaned or b"."


def _name_problem(name):
    """Module rules for a name rkt would render (stricter than rkt: see docs/image-trust.md)."""
    if name.startswith(b"/"):
        return "has an absolute path (a module rule)"
    if b".." in name.split(b"/"):
        return "has a '..' component (a module rule)"
    try:
        name.decode("utf-8")
    except UnicodeDecodeError:
        return "is not UTF-8 (a module rule: rkt passes its file list as JSON and would silently leave it out)"
    if len(name) > MAX_NAME or any(len(part) > MAX_COMPONENT for part in name.split(b"/")):
        return "is longer than Linux allows a path or a file name to be (a module rule)"
    return None


class Layout:
    """Each entry as rkt and appc see it; what can only be decided once the whole archive and
    the manifest's pathWhitelist are known is kept in `rendered` and decided by finish()."""

    def __init__(self, on_manifest):
        self.on_manifest, self.manifest, self.manifest_count = on_manifest, None, 0
        self.rootfs, self.seen, self.rendered = False, set(), []

    def add(self, entry, tar):
        name = go_clean(entry.name)
        if name == b".":
            return
        if name == b"manifest":
            self._manifest(entry, tar)
            return
        problem = _name_problem(entry.name)
        if problem:
            raise ImageError(f"entry {show_name(entry.name)} {problem}")
        if name in self.seen:
            rule = "a module rule" if name == b"rootfs" else "appc ValidateArchive: duplicate file entry"
            raise ImageError(f"entry {show_name(name)} appears twice ({rule})")
        self.seen.add(name)
        if name == b"rootfs":
            if entry.typeflag != ord("5"):
                raise ImageError("entry 'rootfs' is not a directory (appc ValidateArchive: rootfs is not a directory)")
            self.rootfs = True
        elif not name.startswith(b"rootfs/"):
            rule = "a module rule" if name.startswith(b"rootfs") else "appc ValidateArchive: unrecognized file path"
            raise ImageError(
                f"entry {show_name(entry.name)}: an ACI holds only 'manifest' and 'rootfs/' at the top level ({rule})"
            )
        else:
            self._link_rules(entry, name)
        self.rendered.append((name, entry.typeflag, _link_target(entry)))

    def _manifest(self, entry, tar):
        """aci/file.go ManifestFromImage: the first entry named manifest is the manifest."""
        self.manifest_count += 1
        if self.manifest_count > 1:
            raise ImageError("entry 'manifest' appears twice (a module rule: rkt reads the first)")
        if entry.typeflag != ord("0"):
            raise ImageError("manifest is not a regular file (rkt reads it as empty JSON, or cannot extract it)")
        data = tar.read_data(MAX_MANIFEST)
        if data is None:
            raise ImageError(f"manifest is larger than {MAX_MANIFEST} bytes (a module limit; rkt reads any size)")
        self.manifest = check_manifest(data)
        if self.on_manifest:
            self.on_manifest(self.manifest)

    def _link_rules(self, entry, name):
        if entry.typeflag == ord("2") and not entry.linkname.startswith(b"/"):
            resolved = go_clean(name.rsplit(b"/", 1)[0] + b"/" + entry.linkname)
            if resolved != b"rootfs" and not resolved.startswith(b"rootfs/"):
                raise ImageError(
                    f"symlink {show_name(entry.name)} -> {show_name(entry.linkname)} points outside rootfs/ "
                    "(a module rule)"
                )
        if entry.typeflag == ord("1") and not _link_target(entry).startswith(b"rootfs/"):
            raise ImageError(
                f"hard link {show_name(entry.name)} -> {show_name(entry.linkname)} names no entry inside rootfs/ "
                "(a module rule)"
            )

    def finish(self):
        if self.manifest is None:
            raise ImageError("no manifest entry (appc ValidateArchive: no image manifest found in layout)")
        if not self.rootfs:
            raise ImageError("no rootfs directory entry (appc ValidateArchive: no rootfs found in layout)")
        _render(self.rendered, self.manifest.get("pathWhitelist") or [])


def _link_target(entry):
    """Where rkt's os.Link looks for a hard link's target: filepath.Join(root, Linkname)."""
    return go_clean(b"/" + entry.linkname).lstrip(b"/") if entry.typeflag == ord("1") else None


def _parents(name):
    while b"/" in name:
        name = name.rsplit(b"/", 1)[0]
        yield name


def _render(entries, whitelist):
    """getACIFiles then ExtractTarInsecure, without writing anything: which entries rkt renders
    (pathWhitelist and files under a non-directory are left out) and whether each one can be
    created where and when rkt creates it."""
    allowed = {go_clean(b"rootfs/" + path.encode()) for path in whitelist}
    kinds, made, implicit_dirs = {}, {}, set()
    for name, typeflag, link in entries:
        if typeflag != ord("5") and allowed and name not in allowed and name != b"rootfs":
            continue
        blocker = next((parent for parent in _parents(name) if kinds.get(parent, ord("5")) != ord("5")), None)
        if blocker is not None:
            raise ImageError(
                f"entry {show_name(name)} lies under {show_name(blocker)}, which is not a directory: rkt would "
                "silently leave it out (refused by this module)"
            )
        kinds[name] = typeflag
        _extract(name, typeflag, link, made, implicit_dirs)


def _extract(name, typeflag, link, made, implicit_dirs):
    """One pkg/tar extractFile: the type must be one rkt creates, a hard link's target must
    exist and not be a directory, and nothing but a directory may land on a directory."""
    if typeflag not in EXTRACTABLE:
        raise ImageError(
            f"entry {show_name(name)} has type {chr(typeflag)!r}, which rkt cannot extract (unsupported type)"
        )
    if typeflag != ord("5") and (name in implicit_dirs or made.get(name) == ord("5")):
        raise ImageError(f"entry {show_name(name)} would replace a directory rkt has already made")
    if typeflag == ord("1"):
        target = made.get(link)
        if target is None or target == ord("g") or link in implicit_dirs:
            raise ImageError(
                f"hard link {show_name(name)} -> {show_name(link)}: no such file when rkt creates the link"
            )
        if target == ord("5"):
            raise ImageError(f"hard link {show_name(name)} -> {show_name(link)} names a directory (link(2) refuses it)")
    made[name] = typeflag
    implicit_dirs.update(_parents(name))
