"""molecule/cluster verify: every cluster-level proof, in order, on the one cluster converge built.
Each test is a step; `durations: 0` in molecule.yml prints each one's time in the summary."""

import http.client
import itertools
import json
import shutil
import socket
import ssl
import threading
import time
import urllib.request

import pytest
from awx_job import run_job
from cluster import (
    ADDRESS,
    ALL,
    CONTROL_PLANE,
    NODES,
    PKI,
    SELF_BUILT,
    eventually,
    host,
    host_files,
    kubectl,
    labctl,
    nodes_ready,
    playbook,
    pods,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pki_fixtures import another_ca

# What the roles write on a host: a run that should change nothing must leave all of it alone.
CLUSTER_PATHS = "/etc/kubernetes /etc/etcd /etc/rktnetes /etc/systemd/system /etc/cni /etc/rkt /usr/local/bin"
# The tasks a run from an empty controller may report changed: they write the controller's cache.
CONTROLLER_CACHE_TASKS = {
    "Write them into the controller's PKI directory (keys 0600)",
    "Write it next to the PKI",
    "Fetch and verify each artifact once, into the controller's cache",
}
TEST_IMAGE = "10.200.0.1:5443/rktnetes/busybox:verify"
SYSTEMD_MANAGER_VERSION = "org.freedesktop.systemd1.Manager Version"


def pki_files_on_hosts():
    """Each host's cluster files, with sizes and modification times."""
    return {name: host_files(name, CLUSTER_PATHS) for name in ALL}


def test_01_the_operators_smoke_test_passes_as_an_awx_job(tmp_path):
    job = run_job(tmp_path, "playbooks/verify.yml", "verify")
    assert job.rc == 0 and job.failed_tasks() == [], job.output[-3000:]
    assert job.stats().get("failures") == {}, job.stats()


def test_02_the_kubelet_reaches_systemd_through_the_dbus_version_proxy():
    """Debian's systemd reports "252.x-y~debNN", which the v1.10 kubelet's rkt runtime cannot parse:
    nodes Ready with rkt are only possible through the proxy."""
    for name in NODES:
        version = "busctl get-property org.freedesktop.systemd1 /org/freedesktop/systemd1 " + SYSTEMD_MANAGER_VERSION
        proxy = "DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/rktnetes/dbus-system.sock"
        kubelet_env = "/proc/$(systemctl show -p MainPID --value kubelet)/environ"
        out = (
            host(name)
            .run(f"{version}; {proxy} {version}; tr '\\0' '\\n' < {kubelet_env} | grep ^DBUS_SYSTEM_BUS_ADDRESS=")
            .stdout.splitlines()
        )
        assert not out[0][3:-1].isdigit(), out  # s "252.39-1~deb12u2"
        assert out[1][3:-1].isdigit(), out
        assert out[2] == "DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/rktnetes/dbus-system.sock"


def api_endpoints():
    """The API server addresses in the `kubernetes` service's endpoints."""
    return kubectl("get endpoints kubernetes -o jsonpath='{.subsets[*].addresses[*].ip}'").stdout.split()


def lb_servers(name):
    """{backend: status} from the node-local load balancer's stats socket."""
    script = (
        "import socket; s = socket.socket(socket.AF_UNIX); s.connect('/run/rktnetes-api-lb.sock');"
        " s.sendall(b'show stat\\n'); print(s.makefile().read())"
    )
    rows = host(name).run(f'python3 -c "{script}"').stdout.splitlines()
    header = rows[0].lstrip("# ").split(",")
    status = {}
    for row in rows[1:]:
        fields = dict(zip(header, row.split(","), strict=False))
        if fields.get("pxname") == "kube-apiserver" and fields.get("svname") not in ("BACKEND", "FRONTEND", None):
            status[fields["svname"]] = fields["status"]
    return status


def kubeconfig_server(name, component):
    text = host(name).file(f"/etc/kubernetes/{component}.kubeconfig").content_string
    return next(line.split()[-1] for line in text.splitlines() if line.strip().startswith("server:"))


def test_03_nodes_reach_every_api_server_through_their_load_balancer():
    for name in NODES:
        assert kubeconfig_server(name, "kubelet") == "https://127.0.0.1:6443"
        assert kubeconfig_server(name, "kube-proxy") == "https://127.0.0.1:6443"
        status = eventually(lambda n=name: lb_servers(n), lambda s: set(s.values()) == {"UP"}, seconds=30)
        assert status == dict.fromkeys(CONTROL_PLANE, "UP"), status
    for name in CONTROL_PLANE:  # its own API server
        assert kubeconfig_server(name, "kube-controller-manager") == "https://127.0.0.1:6443"
    endpoints = kubectl("get endpoints kubernetes -o jsonpath='{.subsets[*].addresses[*].ip}'").stdout.split()
    assert sorted(endpoints) == sorted(ADDRESS[name] for name in CONTROL_PLANE)


POD = """apiVersion: v1
kind: Pod
metadata: {{name: {name}, namespace: default, labels: {{app: {name}}}}}
spec:
  nodeName: {node}
  terminationGracePeriodSeconds: 2
  containers:
    - name: main
      image: "{image}"
      command: ["sh", "-c", "{command}"]
      ports: {ports}
"""


def wait_pod(name, phase="Running", seconds=120):
    return eventually(
        lambda: kubectl(f"-n default get pod {name} -o jsonpath='{{.status.phase}}'").stdout,
        lambda found: found == phase,
        seconds=seconds,
        pause=2,
    )


def test_04_dns_keeps_answering_while_a_coredns_pod_is_gone():
    spec = POD.format(name="rktnetes-dns", node="cluster-4", image=TEST_IMAGE, command="sleep 3600", ports="[]")
    assert kubectl("apply -f -", stdin=spec).rc == 0
    try:
        assert wait_pod("rktnetes-dns") == "Running"
        lookup = "-n default exec rktnetes-dns -- nslookup kubernetes.default.svc.cluster.local."
        assert eventually(lambda: kubectl(lookup), lambda r: r.rc == 0).rc == 0
        coredns = pods("kube-system", "k8s-app=kube-dns")
        assert len(coredns) == 2 and {p[2] for p in coredns} == set(NODES), coredns  # spread over the nodes
        assert kubectl(f"-n kube-system delete pod {coredns[0][0]}").rc == 0
        # Its endpoint leaves the service as soon as it is terminating; every lookup must then succeed.
        eventually(
            lambda: kubectl("-n kube-system get endpoints kube-dns -o jsonpath='{.subsets[*].addresses[*].ip}'"),
            lambda r: coredns[0][3] not in r.stdout.split(),
        )
        for _attempt in range(10):
            result = kubectl(lookup)
            assert result.rc == 0 and "10.96.0.1" in result.stdout, result.stdout + result.stderr
        assert pods("kube-system", "k8s-app=kube-dns"), "no CoreDNS pod left"
    finally:
        kubectl("-n default delete pod rktnetes-dns --grace-period=1")


def answers(address, port, seconds=3):
    """What a TCP server at address:port says, from this machine (the controller's side of the bridge)."""
    try:
        with socket.create_connection((address, port), timeout=seconds) as connection:
            connection.settimeout(seconds)
            return connection.recv(64).decode(errors="replace").strip()
    except OSError:
        return ""


def hostport_rules(name):
    return host(name).run("iptables -t nat -S | grep -c -- '--dport 18081' || true").stdout.strip()


def test_05_a_pods_host_port_answers_on_its_node_and_goes_with_the_pod():
    serve = "while true; do echo hostport-ok | nc -l -p 8080; done"
    spec = POD.format(
        name="rktnetes-hostport",
        node="cluster-4",
        image=TEST_IMAGE,
        command=serve,
        ports="[{containerPort: 8080, hostPort: 18081}, {containerPort: 8053, hostPort: 18053, protocol: UDP}]",
    )
    assert kubectl("apply -f -", stdin=spec).rc == 0
    assert wait_pod("rktnetes-hostport") == "Running"
    node_ip = ADDRESS["cluster-4"]
    assert eventually(lambda: answers(node_ip, 18081), lambda said: said == "hostport-ok") == "hostport-ok"
    other = host("cluster-2").run(f"timeout 3 bash -c 'exec 3<>/dev/tcp/{node_ip}/18081; cat <&3'")
    assert other.stdout.strip() == "hostport-ok", other.stdout + other.stderr
    udp = host("cluster-4").run("iptables -t nat -S | grep -- '-p udp' | grep -c -- '--dport 18053'").stdout.strip()
    assert udp not in ("", "0"), "no DNAT rule for the UDP host port"
    # A second pod wanting the same host port on that node (placed there directly, past the
    # scheduler): the kubelet refuses it, and the first keeps its port.
    twin = spec.replace("name: rktnetes-hostport", "name: rktnetes-hostport-twin").replace(
        "app: rktnetes-hostport", "app: rktnetes-hostport-twin"
    )
    assert kubectl("apply -f -", stdin=twin).rc == 0
    assert wait_pod("rktnetes-hostport-twin", phase="Failed", seconds=60) == "Failed"
    kubectl("-n default delete pod rktnetes-hostport-twin --grace-period=1")
    assert answers(node_ip, 18081) == "hostport-ok"
    # A node reboot brings the pod back, and its host port with it.
    host("cluster-4").run("systemctl reboot")
    time.sleep(5)
    labctl("wait", f"cluster-4:{node_ip}")
    assert eventually(lambda: answers(node_ip, 18081), lambda said: said == "hostport-ok", seconds=180) == "hostport-ok"
    # Deleting the pod removes its rules.
    assert kubectl("-n default delete pod rktnetes-hostport --grace-period=1").rc == 0
    assert eventually(lambda: hostport_rules("cluster-4"), lambda count: count == "0", seconds=90) == "0"
    assert answers(node_ip, 18081, seconds=2) == ""


def leader(component):
    out = kubectl(
        f"-n kube-system get endpoints {component} -o "
        "jsonpath='{.metadata.annotations.control-plane\\.alpha\\.kubernetes\\.io/leader}'"
    ).stdout
    return json.loads(out)["holderIdentity"].split("_")[0] if out else ""


def make_leader(component, name):
    """Stop the component elsewhere until `name` holds its lease, then start it again there."""
    others = [other for other in CONTROL_PLANE if other != name]
    for other in others:
        host(other).run(f"systemctl stop {component}")
    try:
        assert eventually(lambda: leader(component), lambda who: who == name, seconds=60) == name
    finally:
        for other in others:
            host(other).run(f"systemctl start {component}")


DEPLOYMENT = """apiVersion: extensions/v1beta1
kind: Deployment
metadata: {{name: {name}, namespace: default}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - {{name: main, image: "{image}", command: ["sh", "-c", "sleep 3600"]}}
"""


def running_on(name, count, seconds=90):
    result = eventually(
        lambda: pods("default", f"app={name}"),
        lambda found: len([p for p in found if p[1] == "Running"]) == count and len(found) == count,
        seconds=seconds,
        pause=2,
    )
    return result


def test_06_losing_the_first_control_plane_host_leaves_the_cluster_working():
    for component in ("kube-controller-manager", "kube-scheduler"):
        make_leader(component, "cluster-1")
    labctl("stop", "cluster-1")
    stopped = time.monotonic()
    try:
        assert kubectl("get nodes", via="cluster-3").rc == 0
        deploy = kubectl("apply -f -", stdin=DEPLOYMENT.format(name="rktnetes-ha", replicas=2, image=TEST_IMAGE))
        assert deploy.rc == 0, deploy.stderr
        found = running_on("rktnetes-ha", 2, seconds=60 - (time.monotonic() - stopped))
        assert [p[1] for p in found] == ["Running", "Running"], found
        for component in ("kube-controller-manager", "kube-scheduler"):
            assert leader(component) in ("cluster-2", "cluster-3"), component
        endpoints = eventually(
            api_endpoints,
            lambda ips: ADDRESS["cluster-1"] not in ips,
            seconds=max(1, 60 - (time.monotonic() - stopped)),
        )
        assert ADDRESS["cluster-1"] not in endpoints
        for name in NODES:
            assert lb_servers(name).get("cluster-1") != "UP"
        time.sleep(max(0, 50 - (time.monotonic() - stopped)))  # past the 40 s node-monitor grace period
        assert nodes_ready() == dict.fromkeys(NODES, "True")
        assert time.monotonic() - stopped < 75
    finally:
        labctl("start", "cluster-1")
        labctl("wait", f"cluster-1:{ADDRESS['cluster-1']}")
    kubectl("-n default delete deployment rktnetes-ha")
    for name in NODES:
        status = eventually(lambda n=name: lb_servers(n), lambda s: s.get("cluster-1") == "UP", seconds=60)
        assert status == dict.fromkeys(CONTROL_PLANE, "UP")


def secret_value():
    return kubectl("-n default get secret rktnetes-pki-test -o jsonpath='{.data.value}'").stdout


def awx_site_job_changes_no_host(tmp_path):
    """site.yml as an AWX job: an empty private data dir, so no PKI and no cache on the controller."""
    before = pki_files_on_hosts()
    job = run_job(tmp_path, "playbooks/site.yml", "site")
    assert job.rc == 0 and job.failed_tasks() == [], job.output[-3000:]
    assert set(job.changed_tasks()) <= CONTROLLER_CACHE_TASKS, job.changed_tasks()
    # The restore itself is no_log, so its event has no `changed`: the files below show it.
    assert pki_files_on_hosts() == before
    restored = tmp_path / "private" / "inventory" / "pki"
    for path in sorted(PKI.iterdir()):
        if path.suffix in (".crt", ".key", ".pub"):
            assert (restored / path.name).read_bytes() == path.read_bytes(), path.name


def test_07_after_the_host_is_back_an_awx_job_from_an_empty_controller_changes_no_host(tmp_path):
    """The first job after losing cluster-1: nothing to heal, the PKI restored from the hosts."""
    assert kubectl("-n default create secret generic rktnetes-pki-test --from-literal=value=kept").rc == 0
    stored = secret_value()
    awx_site_job_changes_no_host(tmp_path)
    assert secret_value() == stored


def test_08_only_the_lost_encryption_key_is_restored_not_replaced():
    key = PKI / "secrets-encryption.key"
    original = key.read_bytes()
    key.unlink()
    before = pki_files_on_hosts()
    run = playbook("pki.yml")
    assert run.rc == 0, run
    assert key.read_bytes() == original and key.stat().st_mode & 0o777 == 0o600
    assert set(run.changed) <= CONTROLLER_CACHE_TASKS, run.changed
    assert pki_files_on_hosts() == before


def test_09_a_controller_holding_another_ca_stops_before_any_host_changes(tmp_path):
    kept = tmp_path / "pki"
    shutil.copytree(PKI, kept)
    theirs = x509.load_pem_x509_certificate((PKI / "kubernetes-ca.crt").read_bytes())
    mine = another_ca(PKI, "kubernetes-ca", "rktnetes Kubernetes CA")
    before = pki_files_on_hosts()
    started = time.monotonic()
    try:
        run = playbook("site.yml")
        elapsed = time.monotonic() - started
        assert run.rc != 0, run
        assert "nothing was changed on any host" in run.text
        assert mine in run.text and theirs.fingerprint(hashes.SHA256()).hex(":").upper() in run.text
        assert "pki_replace_ca=true" in run.text
        assert elapsed < 180, elapsed
        assert set(run.changed) <= CONTROLLER_CACHE_TASKS, run.changed
        assert pki_files_on_hosts() == before
    finally:
        shutil.rmtree(PKI)
        shutil.copytree(kept, PKI)


def test_10_a_load_balancer_reload_keeps_open_connections():
    """A watch open through the load balancer (as kube-proxy's are) survives a reload: it still
    receives events afterwards. Nodes have no kubectl: curl with kube-proxy's identity."""
    node = host("cluster-4")
    pki = "/etc/kubernetes/pki"
    watch = (
        f"nohup curl -sSN --cacert {pki}/ca.crt --cert {pki}/kube-proxy.crt --key {pki}/kube-proxy.key"
        " 'https://127.0.0.1:6443/api/v1/services?watch=true' > /run/rktnetes-watch.out 2>&1 & echo $!"
    )
    node.run("rm -f /run/rktnetes-watch.out")
    pid = node.run(watch).stdout.strip()
    try:
        out = eventually(lambda: node.file("/run/rktnetes-watch.out").content_string, lambda o: '"ADDED"' in o)
        assert '"ADDED"' in out, out
        processes = "pgrep -f 'haproxy -Ws' | sort"
        workers = node.run(processes).stdout
        assert node.run("systemctl reload rktnetes-api-lb.service").rc == 0
        assert eventually(lambda: node.run(processes).stdout, lambda now: now != workers) != workers
        assert kubectl("-n default create service clusterip rktnetes-lb-reload --tcp=80:80").rc == 0
        out = eventually(
            lambda: node.file("/run/rktnetes-watch.out").content_string, lambda o: "rktnetes-lb-reload" in o
        )
        assert "rktnetes-lb-reload" in out, out[-2000:]
        assert node.run(f"kill -0 {pid}").rc == 0, "the watch ended with the reload"
    finally:
        node.run(f"kill {pid}")
        kubectl("-n default delete service rktnetes-lb-reload")


def test_11_remove_node_refuses_every_node_and_changes_nothing_in_check_mode():
    refused = playbook("remove_node.yml", "node=cluster-4,cluster-5", "remove_node_confirm=true")
    assert refused.rc != 0 and "a cluster needs one" in refused.text, refused
    unconfirmed = playbook("remove_node.yml", "node=cluster-5")
    assert unconfirmed.rc != 0 and "remove_node_confirm=true" in unconfirmed.text
    before = {name: host_files(name, CLUSTER_PATHS) for name in NODES}
    check = playbook("remove_node.yml", "node=cluster-5", "remove_node_confirm=true", check=True)
    assert check.rc == 0, check
    assert "would cordon and drain cluster-5" in check.text
    assert {name: host_files(name, CLUSTER_PATHS) for name in NODES} == before
    assert nodes_ready() == dict.fromkeys(NODES, "True")
    assert kubectl("get node cluster-5 -o jsonpath='{.spec.unschedulable}'").stdout == ""


def test_12_remove_node_moves_its_pods_and_leaves_nothing_behind():
    assert kubectl("apply -f -", stdin=DEPLOYMENT.format(name="rktnetes-spread", replicas=4, image=TEST_IMAGE)).rc == 0
    spread = running_on("rktnetes-spread", 4)
    assert {p[2] for p in spread} == set(NODES), spread  # the scheduler spread them
    subnet = json.loads(host("cluster-5").file("/etc/ansible/facts.d/rktnetes.fact").content_string)["pod_subnet"]
    run = playbook("remove_node.yml", "node=cluster-5", "remove_node_confirm=true")
    assert run.rc == 0, run
    moved = running_on("rktnetes-spread", 4)
    assert {p[2] for p in moved} == {"cluster-4"}, moved
    assert "cluster-5" not in nodes_ready()
    assert host("cluster-4").run(f"ip route show {subnet}").stdout.strip() == ""
    for name in CONTROL_PLANE:
        assert "cluster-5" not in host(name).file("/etc/rktnetes/pod-subnets.json").content_string
    left = (
        host("cluster-5")
        .run(
            "ss -Hltn | grep -E ':(6443|10248|10250|10256|15441)\\b';"
            " systemctl list-units --all --no-legend --plain 'k8s_*' 'kube*' 'rkt*' 'rktnetes*' | awk '{print $1}';"
            " ls -d /etc/kubernetes /etc/cni /etc/rktnetes /usr/local/bin/kubelet 2>/dev/null;"
            # rkt's data dir is a mount of its own on the lab hosts (as on a node with a disk for
            # it): the mount point stays, empty.
            " mountpoint -q /var/lib/rkt && ls -A /var/lib/rkt || ls -d /var/lib/rkt 2>/dev/null;"
            " ip -o link show cni0 2>/dev/null; true"
        )
        .stdout
    )
    assert left.strip() == "", left


def test_13_scale_brings_the_node_back_and_changes_only_routes_elsewhere():
    run = playbook("scale.yml", "scale_nodes=cluster-5")
    assert run.rc == 0, run
    on_cluster_4 = set(run.changed_on(["cluster-4"]))
    route_tasks = {
        "Install the routes-and-masquerade script and its unit, start it (enabled at boot)",
        "Apply the pod network",
    }
    assert on_cluster_4 <= route_tasks, on_cluster_4
    assert on_cluster_4, "cluster-4 got no route to the new subnet"
    on_control_plane = set(run.changed_on(CONTROL_PLANE)) - CONTROLLER_CACHE_TASKS
    assert on_control_plane <= {
        "Install the copy (keys 0600)",
        "Write every node's pod subnet on each control-plane host",
        "Keep the CAs, the service-account key pair and the leaf keys and certificates current",
    }, on_control_plane
    assert nodes_ready() == dict.fromkeys(NODES, "True")
    kubectl("-n default delete deployment rktnetes-spread")
    verified = playbook("verify.yml")
    assert verified.rc == 0, verified


SERVED = """apiVersion: extensions/v1beta1
kind: Deployment
metadata: {name: rktnetes-served, namespace: default}
spec:
  replicas: 4
  selector: {matchLabels: {app: rktnetes-served}}
  template:
    metadata: {labels: {app: rktnetes-served}}
    spec:
      terminationGracePeriodSeconds: 15
      containers:
        - name: main
          image: "IMAGE"
          command: ["sh", "-c", "mkdir -p /tmp/w && echo ok > /tmp/w/index.html && exec httpd -f -p 8080 -h /tmp/w"]
          readinessProbe: {httpGet: {path: /index.html, port: 8080}, periodSeconds: 2}
          # Served on while kube-proxy everywhere drops it from the service, then stopped.
          lifecycle: {preStop: {exec: {command: ["sleep", "5"]}}}
---
apiVersion: policy/v1beta1
kind: PodDisruptionBudget
metadata: {name: rktnetes-served, namespace: default}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: rktnetes-served}}
---
apiVersion: v1
kind: Service
metadata: {name: rktnetes-served, namespace: default}
spec:
  type: NodePort
  selector: {app: rktnetes-served}
  ports: [{port: 8080, targetPort: 8080, nodePort: 30080}]
"""
API_PROBE = """end=$((SECONDS + 1200)); ok=0; failed=0; pki=/etc/kubernetes/pki
rm -f /run/rktnetes-probe.stop /run/rktnetes-probe.failures
while [ $SECONDS -lt $end ] && [ ! -e /run/rktnetes-probe.stop ]; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -m 3 --cacert $pki/ca.crt --cert $pki/kube-proxy.crt \\
         --key $pki/kube-proxy.key https://127.0.0.1:6443/healthz)
  if [ "$code" = 200 ]; then ok=$((ok + 1))
  else failed=$((failed + 1)); echo "$(date +%T) $code" >> /run/rktnetes-probe.failures; fi
  echo "$ok $failed" > /run/rktnetes-probe.counts
  sleep 0.5
done
"""


class LoadBalancerNodes(threading.Thread):
    """The nodes a v1.10 cloud load balancer sends a NodePort Service's traffic to: Ready and
    schedulable (pkg/controller/service getNodeConditionPredicate), read every second. The upgrade
    cordons a node before it touches it and uncordons it once kube-proxy has written its rules."""

    def __init__(self):
        super().__init__(daemon=True)
        self.members, self.done, self.errors, self.empty = [], threading.Event(), [], 0
        self.tls = ssl.create_default_context(cafile=PKI / "kubernetes-ca.crt")
        self.tls.load_cert_chain(PKI / "admin.crt", PKI / "admin.key")
        self.refresh()

    def refresh(self):
        """From the first API server that answers; none answering keeps the last list."""
        for name in sorted(CONTROL_PLANE, key=lambda n: n == "cluster-1"):  # cluster-1 was stopped once
            try:
                url = f"https://{ADDRESS[name]}:6443/api/v1/nodes"
                with urllib.request.urlopen(url, context=self.tls, timeout=2) as answer:
                    nodes = json.load(answer)["items"]
            except (OSError, ValueError, http.client.HTTPException):  # that API server is restarting
                continue
            members = [
                node["metadata"]["name"]
                for node in nodes
                if not node["spec"].get("unschedulable")
                and ("Ready", "True") in {(c["type"], c["status"]) for c in node["status"]["conditions"]}
            ]
            # None at all (kubelets restarted together report NotReady): keep the last, as load balancers fail open.
            if members:
                self.members = members
            else:
                self.empty += 1
            return

    def run(self):
        while not self.done.wait(1):
            try:
                self.refresh()
            except Exception as error:  # recorded: the test fails on it
                self.errors.append(repr(error))


class ServiceProbe(threading.Thread):
    """From this machine, GET the NodePort service every 0.5 s (bounded in time) on the node
    `target()` names."""

    def __init__(self, target, port, seconds=1200):
        super().__init__(daemon=True)
        self.target, self.port, self.deadline = target, port, time.monotonic() + seconds
        self.ok, self.failed, self.failures, self.done, self.errors = 0, 0, [], threading.Event(), []

    def call(self, name):
        try:
            with socket.create_connection((ADDRESS[name], self.port), timeout=3) as connection:
                connection.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
                connection.settimeout(3)
                answer = b""
                while chunk := connection.recv(4096):  # headers and body come in separate writes
                    answer += chunk
            return b" 200 " in answer.split(b"\r\n", 1)[0] and answer.rstrip().endswith(b"ok"), answer
        except OSError as error:
            return False, str(error).encode()

    def run(self):
        while not self.done.is_set() and time.monotonic() < self.deadline:
            try:
                name = self.target()
            except Exception as error:  # recorded: the test fails on it
                self.errors.append(repr(error))
                return
            good, answer = self.call(name)
            if good:
                self.ok += 1
            else:
                self.failed += 1
                self.failures.append((time.time(), f"{time.strftime('%T')} {name} {answer[:80]!r}"))
            time.sleep(0.5)


def test_14_a_rolling_upgrade_keeps_the_api_and_a_service_answering():
    wanted, running = SELF_BUILT["rktnetes_kubernetes_version"], nodes_versions()
    release = wanted.split("-")[0]
    if set(running.values()) == {release}:
        pytest.skip(
            f"the cluster already runs {release}: the upgrade needs an older build too "
            "(kubernetes/v1.10.4-local in RKTNETES_ARTIFACTS_DIR, docs/artifacts.md)"
        )
    assert kubectl("apply -f -", stdin=SERVED.replace("IMAGE", TEST_IMAGE)).rc == 0
    assert len([p for p in running_on("rktnetes-served", 4) if p[1] == "Running"]) == 4
    # Running is not yet served: each node's kube-proxy writes the new NodePort's rules on its own
    # time (a probe that started first met one refusal on cluster-4). The upgrade starts once all answer.
    warm_up = ServiceProbe(lambda: None, 30080)
    for name in NODES:
        good, answer = eventually(lambda name=name: warm_up.call(name), lambda result: result[0], 60)
        assert good, (name, answer)
    node = host("cluster-4")
    node.run(f"cat > /run/rktnetes-probe.sh <<'EOF'\n{API_PROBE}EOF\n")
    node.run("setsid nohup bash /run/rktnetes-probe.sh >/dev/null 2>&1 &")
    balancer = LoadBalancerNodes()
    assert sorted(balancer.members) == NODES, balancer.members
    turn = itertools.count()

    def next_member():
        members = balancer.members  # one read: refresh() may swap the list meanwhile
        return members[next(turn) % len(members)]  # an empty list (no node to send to) fails the step

    service = ServiceProbe(next_member, 30080)
    direct = ServiceProbe(lambda: "cluster-4", 30080)  # one node's NodePort, even while it is upgraded
    for thread in (balancer, service, direct):
        thread.start()
    try:
        run = playbook("upgrade.yml", f"rktnetes_kubernetes_version={wanted}")
    finally:
        for thread in (balancer, service, direct):
            thread.done.set()
            thread.join()
        node.run("touch /run/rktnetes-probe.stop")
        time.sleep(1)
    api_ok, api_failed = (int(n) for n in node.file("/run/rktnetes-probe.counts").content_string.split())
    api_failures = node.run("cat /run/rktnetes-probe.failures 2>/dev/null").stdout
    print(
        f"probe: API {api_ok} answered, {api_failed} failed; service through the load balancer's nodes "
        f"{service.ok} answered, {service.failed} failed; through cluster-4 alone {direct.ok} answered, "
        f"{direct.failed} failed; no node Ready and schedulable at {balancer.empty} of the balancer's reads"
    )
    assert run.rc == 0, run
    assert not (balancer.errors or service.errors or direct.errors), (balancer.errors, service.errors, direct.errors)
    assert api_failed == 0 and api_ok > 50, (api_ok, api_failed, api_failures)
    starts = kube_proxy_starts("cluster-4")
    print(f"cluster-4 alone failed at {[text for at, text in direct.failures]}; its kube-proxy started at {starts}")
    assert service.ok > 50 and service.failed == 0, (service.ok, service.failures)
    # A node's own NodePort cannot stay up while the node itself is upgraded: kube-proxy v1.10 in
    # iptables mode flushes KUBE-SERVICES when it starts (ipvs.CleanupLeftovers,
    # cmd/kube-proxy/app/server_others.go; kubernetes#75360, fixed in 1.14) and the NodePort refuses
    # until the first sync; the node is cordoned, out of the load balancer, meanwhile. Bounded: a
    # gap of over ~2.5 s would be more than that.
    assert direct.ok > 50 and direct.failed <= 5, (direct.ok, direct.failures, starts)
    assert set(nodes_versions().values()) == {release}
    for name in CONTROL_PLANE:
        served = json.loads(kubectl("version -o json", via=name).stdout)["serverVersion"]["gitVersion"]
        assert served == release, (name, served)
    again = playbook("upgrade.yml", f"rktnetes_kubernetes_version={wanted}")
    assert again.rc == 0 and again.changed == {}, again
    kubectl("-n default delete deployment,service,poddisruptionbudget rktnetes-served")


def test_15_runs_cut_off_before_their_restarts_and_uncordon_finish_when_started_again():
    """What a run killed at the worst moment leaves: a scheduler older than its (rewritten, same)
    binary, an API server left in maint in a node's load balancer, a node an upgrade cordoned and
    never gave back. The next site.yml restarts that scheduler and puts the API server back; the
    next upgrade.yml uncordons the node. Nothing else changes."""
    wanted = SELF_BUILT["rktnetes_kubernetes_version"]  # what step 14 upgraded to (the inventory names the older)
    scheduler = "systemctl show -p MainPID --value kube-scheduler"
    old_pid = host("cluster-2").run(scheduler).stdout.strip()
    # A new inode with the same bytes: as a run cut off after installing the binary leaves it.
    rewrite = "cp -p /usr/local/bin/kube-scheduler /tmp/ks && mv /tmp/ks /usr/local/bin/kube-scheduler"
    assert host("cluster-2").run(rewrite).rc == 0
    assert host("cluster-4").run(f"{LB_CTL} cluster-2 maint").rc == 0
    assert lb_servers("cluster-4")["cluster-2"] == "MAINT"
    assert kubectl(f"label node cluster-5 {CORDON_LABEL}=true").rc == 0
    assert kubectl("cordon cluster-5").rc == 0

    site = playbook("site.yml", f"rktnetes_kubernetes_version={wanted}")
    assert site.rc == 0, site
    restarted = host("cluster-2").run(scheduler).stdout.strip()
    assert restarted not in ("", "0", old_pid), (old_pid, restarted)
    back = eventually(lambda: lb_servers("cluster-4"), lambda status: status.get("cluster-2") == "UP", 30)
    assert back.get("cluster-2") == "UP", back
    assert set(site.changed) <= SITE_RECOVERY_TASKS, site.changed
    assert site.changed["Put it back into any load balancer a cut-off restart left it out of"] == ["cluster-2"]
    restarts = site.changed["Restart it when its binary or configuration changed, or changed after it started"]
    assert restarts == ["cluster-2"], restarts
    assert "kube-scheduler" in site.text and "started before /usr/local/bin/kube-scheduler" in site.text

    upgrade = playbook("upgrade.yml", f"rktnetes_kubernetes_version={wanted}")
    assert upgrade.rc == 0, upgrade
    assert upgrade.changed == {"Uncordon, and remove the mark": ["cluster-5"]}, upgrade.changed
    node = json.loads(kubectl("get node cluster-5 -o json").stdout)
    assert not node["spec"].get("unschedulable") and CORDON_LABEL not in node["metadata"]["labels"]


LB_CTL = "/usr/local/libexec/rktnetes-api-lb-ctl"
CORDON_LABEL = "rktnetes.io/upgrade-cordoned"
# What step 15's site.yml may change: the scheduler's restart and the API server's way back.
SITE_RECOVERY_TASKS = {
    "Restart it when its binary or configuration changed, or changed after it started",
    "Restart the unit",
    "Wait until the restarted component is healthy",
    "Put it back into any load balancer a cut-off restart left it out of",
}


def kube_proxy_starts(name):
    """When kube-proxy started on the host (epoch seconds): its "Tearing down inactive rules" line."""
    out = host(name).run("journalctl -u kube-proxy -o short-unix --no-pager | grep 'Tearing down inactive rules'")
    return [float(line.split()[0]) for line in out.stdout.splitlines() if line.strip()]


def nodes_versions():
    out = kubectl("get nodes -o jsonpath='{range .items[*]}{.metadata.name}={.status.nodeInfo.kubeletVersion} {end}'")
    return dict(item.split("=", 1) for item in out.stdout.split())


@pytest.fixture(scope="module", autouse=True)
def _no_test_objects_left():
    yield
    for kind, name in (("deployment", "rktnetes-ha"), ("deployment", "rktnetes-spread")):
        kubectl(f"-n default delete {kind} {name} --ignore-not-found")
    kubectl("-n default delete secret rktnetes-pki-test --ignore-not-found")
