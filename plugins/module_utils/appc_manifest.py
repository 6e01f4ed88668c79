# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""The image manifest as rkt 1.30.0 reads it: appc spec v0.8.11's schema/image.go
ImageManifest.UnmarshalJSON and assertValid, with the app (schema/types/app.go: exec, event
handlers, environment, mount points, ports, isolators) and the dependencies
(schema/types/dependencies.go), decoded as Go's encoding/json decodes them (go_json.py) into
the appc types (appc_types.py, appc_isolators.py). check_manifest returns it with canonical
keys, or raises ImageError naming the first rule it breaks."""

from __future__ import annotations

import re

from ansible_collections.rktnetes.cluster.plugins.module_utils.aci_errors import ImageError
from ansible_collections.rktnetes.cluster.plugins.module_utils.appc_isolators import isolators
from ansible_collections.rktnetes.cluster.plugins.module_utils.appc_types import (
    ac_identifier,
    ac_kind,
    ac_name,
    annotations,
    image_hash,
    labels,
    semver,
)
from ansible_collections.rktnetes.cluster.plugins.module_utils.go_json import (
    manifest_at,
    scalar_field,
    go_bool,
    go_int,
    go_slice,
    go_string,
    go_string_map,
    go_struct,
    go_uint,
    parse_json,
)

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z_0-9.-]*\Z")  # schema/types/environment.go envPattern


_DEPENDENCY_FIELDS = {
    "imageName": ac_identifier,
    "imageID": image_hash,
    "labels": labels,
    "size": scalar_field(go_uint),
}


def _dependency(node, where):
    """schema/types/dependencies.go Dependency.UnmarshalJSON: imageName is required."""
    decoded = go_struct(node, where, _DEPENDENCY_FIELDS)
    if not decoded.get("imageName"):
        raise ImageError(f"{manifest_at(where)}: imageName cannot be empty")
    return decoded


_dependencies = go_slice(_dependency)


def _exec(node, where, _existing=None):
    return go_slice(scalar_field(go_string))(node, where)  # exec.go: no rule in v0.8.11


def _event_handler(node, where):
    decoded = go_struct(node, where, {"name": scalar_field(go_string), "exec": _exec})
    if decoded.get("name") not in ("pre-start", "post-stop"):
        what = 'eventHandler "name" cannot be empty' if not decoded.get("name") else "bad eventHandler name"
        raise ImageError(f"{manifest_at(where)}: {what} {decoded.get('name', '')!r}")
    return decoded


def _environment(node, where, _existing=None):
    """schema/types/environment.go Environment.assertValid."""
    fields = {"name": scalar_field(go_string), "value": scalar_field(go_string)}
    variables = go_slice(lambda item, at: go_struct(item, at, fields))(node, where) or []
    seen = set()
    for variable in variables:
        name = variable.get("name", "")
        if not ENV_NAME.match(name):
            raise ImageError(f"{manifest_at(where)}: environment variable does not have valid identifier {name!r}")
        if name in seen:
            raise ImageError(f"{manifest_at(where)}: duplicate environment variable of name {name!r}")
        seen.add(name)
    return variables


def _mount_point(node, where):
    return go_struct(node, where, {"name": ac_name, "path": scalar_field(go_string), "readOnly": scalar_field(go_bool)})


def _port(node, where):
    """schema/types/port.go Port.UnmarshalJSON/assertValid (uint arithmetic wraps as in Go)."""
    fields = {
        "name": ac_name,
        "protocol": scalar_field(go_string),
        "port": scalar_field(go_uint),
        "count": scalar_field(go_uint),
        "socketActivated": scalar_field(go_bool),
    }
    decoded = go_struct(node, where, fields)
    port, count = decoded.get("port", 0), decoded.get("count", 0)
    if not 1 <= port <= 65535:
        raise ImageError(f"{manifest_at(where)}: port must be in 1-65535 range")
    if (port + count) % (1 << 64) > 65536:
        raise ImageError(f"{manifest_at(where)}: end of port range must be in 1-65535 range")
    return decoded


_APP_FIELDS = {
    "exec": _exec,
    "eventHandlers": go_slice(_event_handler),
    "user": scalar_field(go_string),
    "group": scalar_field(go_string),
    "supplementaryGIDs": go_slice(scalar_field(go_int)),
    "workingDirectory": scalar_field(go_string),
    "environment": _environment,
    "mountPoints": go_slice(_mount_point),
    "ports": go_slice(_port),
    "isolators": isolators,
    "userAnnotations": go_string_map,
    "userLabels": go_string_map,
}


def _app(node, where, existing=None):
    """*types.App (schema/types/app.go App.UnmarshalJSON/assertValid); a second `app` key is
    decoded over the first, as Go does."""
    if node.kind == "null":
        return None
    app = go_struct(node, where, _APP_FIELDS, existing, "types.App")
    if not app.get("user"):
        raise ImageError(f"{manifest_at(where)}: user is required")
    if not app.get("group"):
        raise ImageError(f"{manifest_at(where)}: group is required")
    if app.get("workingDirectory") and not app["workingDirectory"].startswith("/"):
        raise ImageError(f"{manifest_at(where)}: workingDirectory must be an absolute path")
    names = [handler.get("name") for handler in app.get("eventHandlers") or []]
    if len(names) != len(set(names)):
        raise ImageError(f"{manifest_at(where)}: only one eventHandler of each name is allowed")
    return app


_MANIFEST_FIELDS = {
    "acKind": ac_kind,
    "acVersion": semver,
    "name": ac_identifier,
    "labels": labels,
    "app": _app,
    "annotations": annotations,
    "dependencies": _dependencies,
    "pathWhitelist": go_slice(scalar_field(go_string)),
}


def check_manifest(data):
    """The image manifest as rkt reads it (schema/image.go ImageManifest.UnmarshalJSON and its
    validation, assertValid), with canonical keys, or ImageError naming the first rule it breaks."""
    manifest = go_struct(parse_json(data), "", _MANIFEST_FIELDS, gotype="schema.ImageManifest")
    manifest = _plain(manifest)
    if manifest.get("acKind") != "ImageManifest":
        raise ImageError(
            f"manifest acKind is {manifest.get('acKind', '')!r}: missing or bad ACKind (must be ImageManifest)"
        )
    if not manifest.get("acVersion"):
        raise ImageError("manifest acVersion must be set")
    if not manifest.get("name"):
        raise ImageError("manifest name must be set")
    return manifest


def _plain(value):
    """Decoded structs as plain dicts, for callers that serialize them."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
