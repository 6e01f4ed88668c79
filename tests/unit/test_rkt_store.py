"""rkt_image's view of rkt's store (module_utils/rkt_store.py): image IDs to store keys, and the
listing rkt prints. The module itself runs against a real rkt in molecule/node_runtime."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.rktnetes.cluster.plugins.module_utils.rkt_store import KEY_LENGTH, parse_image_list, store_key

HEX = st.text(alphabet="0123456789abcdef", min_size=128, max_size=128)


@given(HEX)
def test_a_full_image_id_and_its_store_key_name_the_same_image(digest):
    key = store_key(f"sha512-{digest}")
    assert key == f"sha512-{digest[:64]}"
    assert store_key(key) == key and len(key) == KEY_LENGTH


@pytest.mark.parametrize("bad", ["", "sha512-", "sha512-a", "sha256-" + "a" * 64, "a" * 71])
def test_anything_else_is_not_an_image_id(bad):
    with pytest.raises(ValueError, match="not an rkt image ID"):
        store_key(bad)


def test_the_listing_gives_the_keys_and_nothing_else():
    key_a, key_b = "sha512-" + "a" * 64, "sha512-" + "b" * 64
    listing = f"{key_a}\n  {key_b}  \n\nwarning: something\n"
    assert parse_image_list(listing) == {key_a, key_b}
    assert parse_image_list("") == set()
