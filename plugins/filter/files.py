# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""File-list filters for the host_files module."""

from __future__ import annotations

import posixpath

from ansible.errors import AnsibleFilterError


def host_file_entries(files, src_dir, dest_dir):
    """[{src, dest, mode, owner, group}] with names relative to two directories -> host_files entries
    with full paths (src on the controller, dest on the host); mode default 0644, owner and group
    kept where given. An absolute src (a file kept elsewhere, such as a configurable key file)
    stays as it is, and its dest defaults to its file name."""
    if not isinstance(files, list) or any(not isinstance(entry, dict) or not entry.get("src") for entry in files):
        raise AnsibleFilterError("host_file_entries: expects a list of {src, dest, mode} entries")
    return [
        {
            "src": posixpath.join(str(src_dir), entry["src"]),
            "dest": posixpath.join(str(dest_dir), entry.get("dest") or posixpath.basename(entry["src"])),
            "mode": entry.get("mode", "0644"),
            **{name: entry[name] for name in ("owner", "group") if entry.get(name)},
        }
        for entry in files
    ]


class FilterModule:
    def filters(self):
        return {"host_file_entries": host_file_entries}
