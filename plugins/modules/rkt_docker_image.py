#!/usr/bin/python
# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: rkt_docker_image
short_description: Pull a docker image into rkt's store and hold it to a pinned manifest digest
version_added: 0.2.0
description:
  - Fetches O(image) (a C(docker://) reference with a tag) into rkt's image store, as the
    kubelet would, unless the store already holds it, then compares the digest of the Docker
    manifest it came from (the C(appc.io/docker/manifesthash) annotation docker2aci records) with
    O(digest). A different image is removed from the store again and the task fails, naming both
    digests, so a registry cannot slip another image under the tag.
  - Why not pull by digest? The v1.10 kubelet's rkt runtime looks an image up by name and
    C(version) label (the tag) after fetching it, and an image fetched by digest has no version
    label, so the kubelet cannot find it. Pods name the tag; this module, run on every node before
    they start, makes sure the tag is the pinned image, and the kubelet finds it in the store.
author:
  - rktnetes.cluster maintainers (@rktnetes)
attributes:
  check_mode:
    support: full
    description: Reports whether the store holds the image with that digest, fetching nothing.
  diff_mode:
    support: none
    description: Nothing to show as a diff; RV(digest) says which image the store holds.
options:
  image:
    description: The image, C(<registry>/<path>:<tag>) (no C(docker://), no digest).
    type: str
    required: true
  digest:
    description: The pinned digest of its manifest, C(sha256:<hex>).
    type: str
    required: true
  rkt_path:
    description: The rkt binary.
    type: path
    default: /usr/local/bin/rkt
  insecure_options:
    description: rkt's C(--insecure-options) for the fetch; docker images carry no signature rkt could check.
    type: str
    default: image
seealso:
  - module: rktnetes.cluster.rkt_image
"""
EXAMPLES = r"""
- name: CoreDNS on every node, held to its pinned digest
  rktnetes.cluster.rkt_docker_image:
    image: registry.k8s.io/coredns:1.1.3
    digest: sha256:ab8aec91742937058f6b307efbd411ba8b49c5392a757431b00fda4bdd4fa588
"""
RETURN = r"""
image_id:
  description: rkt's image ID of the image in the store.
  returned: success, not in check mode
  type: str
digest:
  description: The digest of the manifest the image came from.
  returned: success, not in check mode
  type: str
"""
import json
import re

from ansible.module_utils.basic import AnsibleModule

MANIFEST_HASH = "appc.io/docker/manifesthash"
ORIGINAL_NAME = "appc.io/docker/originalname"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}\Z")


def rkt(module, *args, check=True):
    rc, out, err = module.run_command([module.params["rkt_path"], *args])
    if check and rc != 0:
        module.fail_json(msg=f"rkt_docker_image: rkt {' '.join(args)} failed: {err.strip() or out.strip()}")
    return out


def annotations(module, image_id):
    manifest = json.loads(rkt(module, "image", "cat-manifest", image_id))
    return {item.get("name"): item.get("value") for item in manifest.get("annotations") or []}


def held(module, image):
    """(image ID, manifest digest) of the store's image fetched as `image`, or (None, None)."""
    for entry in json.loads(rkt(module, "image", "list", "--format=json") or "[]") or []:
        found = annotations(module, entry["id"])
        if found.get(ORIGINAL_NAME) == image:
            return entry["id"], found.get(MANIFEST_HASH)
    return None, None


def main():
    module = AnsibleModule(
        argument_spec={
            "image": {"type": "str", "required": True},
            "digest": {"type": "str", "required": True},
            "rkt_path": {"type": "path", "default": "/usr/local/bin/rkt"},
            "insecure_options": {"type": "str", "default": "image"},
        },
        supports_check_mode=True,
    )
    image, digest = module.params["image"], module.params["digest"].lower()
    if image.startswith("docker://") or "@" in image or ":" not in image.rsplit("/", 1)[-1]:
        module.fail_json(
            msg=f"rkt_docker_image: image {image!r} must be <registry>/<path>:<tag>, without docker:// or a digest"
        )
    if not DIGEST.match(digest):
        module.fail_json(msg=f"rkt_docker_image: digest {digest!r} is not sha256:<64 hex digits>")
    try:
        image_id, found = held(module, image)
        if module.check_mode:
            module.exit_json(changed=image_id is None or found != digest)
        pulled = image_id is None
        if pulled:
            options = f"--insecure-options={module.params['insecure_options']}"
            out = rkt(module, options, "fetch", "--pull-policy=new", "--full", f"docker://{image}")
            image_id = out.strip().splitlines()[-1]
            found = annotations(module, image_id).get(MANIFEST_HASH)
    except (ValueError, KeyError, IndexError) as error:
        module.fail_json(msg=f"rkt_docker_image: cannot read rkt's answer about {image}: {error}")
    if found != digest:
        rkt(module, "image", "rm", image_id, check=False)
        module.fail_json(
            msg=f"rkt_docker_image: {image} is the image with manifest digest {found}, not the pinned {digest}; "
            "it was removed from rkt's store. The registry serves another image under that tag: push the pinned "
            "one (docs/artifacts.md) or pin the version you mean",
        )
    module.exit_json(changed=pulled, image_id=image_id, digest=found)


if __name__ == "__main__":
    main()
