"""The rktnetes-hostport CNI plugin (roles/cni/files/rktnetes-hostport) against a real HTTPS API
stand-in on loopback that requires a client certificate, with a recording stand-in for portmap:
what it hands portmap on ADD and DEL, and its errors. The real chain (bridge, this plugin, the real
portmap, iptables) runs in molecule/cluster."""

import datetime
import ipaddress
import json
import os
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PLUGIN = Path(__file__).resolve().parents[2] / "roles" / "cni" / "files" / "rktnetes-hostport"
POD = {
    "spec": {
        "containers": [
            {"ports": [{"containerPort": 8080, "hostPort": 18080}, {"containerPort": 9090}]},
            {"ports": [{"containerPort": 53, "hostPort": 1053, "protocol": "UDP", "hostIP": "10.0.0.5"}]},
        ]
    }
}
PREV = {"cniVersion": "0.3.1", "ips": [{"version": "4", "address": "10.244.1.5/24"}]}


def pem(obj):
    return obj.public_bytes(serialization.Encoding.PEM)


def key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def issue(ca_key, ca_name, cn, usage, ip=None):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )
    if ip:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]), critical=False
        )
    return key, builder.sign(ca_key, hashes.SHA256())


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """An HTTPS server on 127.0.0.1 that wants a client certificate of its CA and serves one pod."""
    tmp = tmp_path_factory.mktemp("api")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    now = datetime.datetime.now(datetime.UTC)
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    server_key, server_cert = issue(ca_key, ca_name, "api", ExtendedKeyUsageOID.SERVER_AUTH, "127.0.0.1")
    client_key, client_cert = issue(ca_key, ca_name, "system:node:w1", ExtendedKeyUsageOID.CLIENT_AUTH)
    for name, data in {
        "ca.crt": pem(ca),
        "server.crt": pem(server_cert),
        "server.key": key_pem(server_key),
        "client.crt": pem(client_cert),
        "client.key": key_pem(client_key),
    }.items():
        (tmp / name).write_bytes(data)
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append((self.path, self.connection.getpeercert()["subject"]))
            if self.path == "/api/v1/namespaces/ns1/pods/web":
                body, status = json.dumps(POD).encode(), 200
            else:
                body, status = b'{"kind":"Status","code":404}', 404
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp / "server.crt", tmp / "server.key")
    context.load_verify_locations(tmp / "ca.crt")
    context.verify_mode = ssl.CERT_REQUIRED
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    kubeconfig = tmp / "kubelet.kubeconfig"
    kubeconfig.write_text(
        "apiVersion: v1\nclusters:\n-   cluster:\n"
        f"        certificate-authority: {tmp / 'ca.crt'}\n        server: https://127.0.0.1:{server.server_port}\n"
        "    name: rktnetes\nusers:\n-   name: system:node:w1\n    user:\n"
        f"        client-certificate: {tmp / 'client.crt'}\n        client-key: {tmp / 'client.key'}\n"
    )
    yield {"kubeconfig": kubeconfig, "seen": seen, "port": server.server_port}
    server.shutdown()


@pytest.fixture()
def portmap(tmp_path):
    """A stand-in for portmap in a CNI_PATH directory: records its stdin, answers the prevResult."""
    script = tmp_path / "portmap"
    script.write_text(
        "#!/usr/bin/python3\nimport json, sys\nconf = json.load(sys.stdin)\n"
        f"open({str(tmp_path / 'portmap.json')!r}, 'w').write(json.dumps(conf))\n"
        "print(json.dumps(conf.get('prevResult', {})))\n"
    )
    script.chmod(0o755)
    return tmp_path


def run(command, config, args, cni_path):
    env = dict(os.environ, CNI_COMMAND=command, CNI_ARGS=args, CNI_PATH=f"/nonexistent:{cni_path}")
    env.update(CNI_CONTAINERID="k8s_abc", CNI_NETNS="/var/run/netns/k8s_abc", CNI_IFNAME="eth0")
    result = subprocess.run(
        [str(PLUGIN)], input=json.dumps(config), capture_output=True, text=True, env=env, check=False
    )
    return result.returncode, json.loads(result.stdout) if result.stdout.strip() else None


def config(api, **extra):
    base = {"cniVersion": "0.3.1", "name": "rktnetes", "type": "rktnetes-hostport", "delegate": "portmap", "snat": True}
    return {**base, "kubeconfig": str(api["kubeconfig"]), "prevResult": PREV, **extra}


ARGS = "IgnoreUnknown=1;K8S_POD_NAMESPACE=ns1;K8S_POD_NAME=web;K8S_POD_INFRA_CONTAINER_ID=k8s_abc"


def test_add_hands_portmap_the_pods_host_ports_as_its_runtime_config(api, portmap):
    rc, out = run("ADD", config(api), ARGS, portmap)
    assert rc == 0 and out == PREV
    handed = json.loads((portmap / "portmap.json").read_text())
    assert handed["type"] == "portmap" and handed["prevResult"] == PREV and handed["snat"] is True
    assert "kubeconfig" not in handed and "delegate" not in handed
    assert handed["runtimeConfig"]["portMappings"] == [
        {"hostPort": 18080, "containerPort": 8080, "protocol": "tcp"},
        {"hostPort": 1053, "containerPort": 53, "protocol": "udp", "hostIP": "10.0.0.5"},
    ]
    path, subject = api["seen"][-1]
    assert path == "/api/v1/namespaces/ns1/pods/web" and subject == ((("commonName", "system:node:w1"),),)


def test_a_pod_without_host_ports_or_unknown_to_the_api_passes_the_result_on(api, portmap):
    rc, out = run("ADD", config(api), ARGS.replace("web", "gone"), portmap)
    assert rc == 0 and out == PREV and not (portmap / "portmap.json").exists()


def test_del_lets_portmap_remove_the_rules_without_asking_the_api(api, portmap):
    before = len(api["seen"])
    rc, _out = run("DEL", config(api, prevResult=None), ARGS, portmap)
    assert rc == 0 and len(api["seen"]) == before
    handed = json.loads((portmap / "portmap.json").read_text())
    assert handed["runtimeConfig"]["portMappings"] == [{"hostPort": 1, "containerPort": 1, "protocol": "tcp"}]


def test_an_unreachable_api_server_fails_the_add_with_a_cni_error(api, portmap, tmp_path):
    broken = tmp_path / "broken.kubeconfig"
    broken.write_text(api["kubeconfig"].read_text().replace(f":{api['port']}", ":9"))
    rc, out = run("ADD", config(api, kubeconfig=str(broken)), ARGS, portmap)
    assert rc == 1 and out["code"] == 11 and "did not answer" in out["msg"]


def test_a_missing_delegate_is_named(api, tmp_path):
    rc, out = run("ADD", config(api), ARGS, tmp_path)
    assert rc == 1 and "no portmap plugin in CNI_PATH" in out["msg"]


def test_version():
    result = subprocess.run([str(PLUGIN)], env={"CNI_COMMAND": "VERSION"}, capture_output=True, text=True, check=True)
    assert "0.3.1" in json.loads(result.stdout)["supportedVersions"]
