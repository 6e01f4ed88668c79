"""pki_files (the module half): a file is written only where content, mode, owner or group differ,
atomically, with its mode from the start. The action half and the roles run in every scenario."""

import os

from ansible_collections.rktnetes.cluster.plugins.module_utils.atomic_file import write_atomically as write
from ansible_collections.rktnetes.cluster.plugins.modules.pki_files import differs

KEY = b"-----BEGIN PRIVATE KEY-----\nnot really\n-----END PRIVATE KEY-----\n"


def test_a_missing_file_differs_and_is_written_with_its_mode(tmp_path):
    path, ids = str(tmp_path / "a.key"), (os.getuid(), os.getgid())
    assert differs(path, KEY, 0o600, *ids)
    write(path, KEY, 0o600, *ids)
    assert (tmp_path / "a.key").read_bytes() == KEY
    assert os.stat(path).st_mode & 0o7777 == 0o600
    assert not differs(path, KEY, 0o600, *ids)
    assert os.listdir(tmp_path) == ["a.key"]  # no temporary file left


def test_other_content_or_mode_differs(tmp_path):
    path, ids = str(tmp_path / "a.crt"), (os.getuid(), os.getgid())
    write(path, KEY, 0o644, *ids)
    assert differs(path, KEY + b"x", 0o644, *ids)
    assert differs(path, KEY, 0o600, *ids)
    assert differs(path, KEY, 0o644, os.getuid() + 1, os.getgid())
