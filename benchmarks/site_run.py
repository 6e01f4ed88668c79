"""Benchmark (not a test): the real playbooks/site.yml (and scale.yml) on fresh lab hosts, as a user runs them.

For each layout N it boots a lab of its own (tests/lab/labctl, LAB_DIR /var/tmp/rktnetes-bench,
bridge rktbench0 at 10.201.0.1/24, so it never touches another lab; the base rootfs cache is shared
when it is up to date) with 1 etcd + control-plane host and N nodes, sets up what tests/demo.sh and
molecule/cluster set up (the lab mirror with the self-built Kubernetes and rkt of
RKTNETES_ARTIFACTS_DIR, a stage1 signed by a key of this run, the image registry and the upstream
DNS server on the bridge), then times `ansible-playbook playbooks/site.yml` from empty hosts and
with an empty controller cache (cold), and again (which must change nothing), and once more when
the machine has gone quiet (the cluster settled, as an operator's drift check meets it; this run
must change nothing too). With --add-node it
then adds one more node with playbooks/scale.yml and lists the tasks that changed something on the
hosts that were already there. It prints the wall times, the 10 slowest tasks of each run
(ansible.posix.profile_tasks), the tasks per host (PLAY RECAP), the ratios to the figures of
docs/performance.md and to the issue's targets (cold <= 90 s, second run <= 20 s, for the default
layouts 2 and 5: 5 nodes <= 1.3x the 2-node figures, adding a node <= 1.2x), and a table for
docs/performance.md. Each run's full output goes to a log under LAB_DIR/logs.
With --mitogen every playbook runs with Mitogen's strategy (mitogen_linear, as a user enables it in
ansible.cfg; `pip install mitogen`): one Python process per host kept for the whole run instead of
an interpreter started, and Ansible's module_utils compiled again, for every task.
Usage: .venv/bin/python benchmarks/site_run.py [--add-node] [--keep] [--dry-run] [--mitogen] [N ...]
(from the repository root, as root for labctl; default layouts 2 5). Only one lab should run on
the machine at a time for figures worth comparing.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from hashlib import sha256
from pathlib import Path

import yaml
from bench_common import children_cpu, mitogen_environment

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "tests" / "lab"
LABCTL = LAB / "labctl"
# The bench lab: a LAB_DIR, bridge and /24 of its own (the demo lab is 10.200.0.0/24 on rktlab0).
LAB_DIR = Path("/var/tmp/rktnetes-bench")  # noqa: S108 (a lab directory, as labctl's own default)
BRIDGE = "rktbench0"
NET = "10.201.0"
BRIDGE_IP = f"{NET}.1"
REGISTRY_PORT = "5443"
CONTROL_PLANE = ("bench-cp1", f"{NET}.11")
FIRST_NODE_OCTET = 21  # bench-n1 is .21, bench-n2 .22, ...
MAX_NODES = 254 - FIRST_NODE_OCTET  # room for the --add-node host too
SHARED_LAB_DIR = Path(os.environ.get("LAB_DIR", "/var/tmp/rktnetes-lab"))  # noqa: S108 (labctl's default)
ARTIFACTS_DIR = Path(os.environ.get("RKTNETES_ARTIFACTS_DIR", "/var/cache/rktnetes/artifacts"))
REQUIRED_ARTIFACTS = ROOT / "molecule" / "cluster" / "requires-artifacts.txt"
SELF_BUILT = yaml.safe_load((LAB / "self-built.yml").read_text())  # the labels of the lab's own builds
VARS_FILE = LAB_DIR / "bench-vars.yml"
HOSTS_FILE = LAB_DIR / "inventory" / "hosts.yml"  # with group_vars/all.yml beside it
FIXTURES = LAB_DIR / "rkt-fixtures"  # rkt_fixtures.py's key of this run
VERIFY_IMAGE = f"docker://{BRIDGE_IP}:{REGISTRY_PORT}/rktnetes/busybox:verify"  # what registry.py pushes

# docs/performance.md, "The whole cluster: site.yml (issue 8)": 1 control plane + 2 nodes
PREVIOUS = {"cold": 167.3, "again": 107.2}
PREVIOUS_NODES = 2
TARGETS_S = {"cold": 90, "again": 20, "settled": 20}
GROWTH_TARGET = {"cold": 1.3, "again": 1.3, "settled": 1.3, "scale": 1.2}
RUN_LABELS = {
    "cold": "cold site.yml",
    "again": "second site.yml",
    "settled": "third site.yml (cluster settled)",
    "scale": "scale.yml (add a node)",
}
UNCHANGED_RUNS = ("again", "settled")  # runs that must change nothing
# Right after the cold run the new cluster is still busy (CoreDNS rolling out, controllers syncing):
# the settled run waits until the machine's CPU is this quiet over QUIET_WINDOW_S, at most QUIET_WAIT_S.
QUIET_SHARE, QUIET_WINDOW_S, QUIET_WAIT_S = 0.25, 5, 120
SLOWEST = 10
MODULE_RUN_S = 0.2  # a banner this long ran a module on a host; the controller's own tasks take less

PLAYBOOK_BIN = Path(sys.executable).with_name("ansible-playbook")
ANSIBLE_PLAYBOOK = str(PLAYBOOK_BIN) if PLAYBOOK_BIN.exists() else "ansible-playbook"
# profile_tasks' recap lines, "role : task name ---------- 1.23s" (the dashes vanish for long names)
PROFILE_LINE = re.compile(r"^(?P<task>.+?) -*\s?(?P<seconds>\d+\.\d\d)s$")
RECAP_LINE = re.compile(
    r"^(?P<host>\S+)\s+: ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)"
    r"\s+failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)"
)
# The default callback: a task's banner, then a line per host (and per loop item) that changed.
TASK_HEADER = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(?P<task>.*)\] \*+\s*$")
CHANGED_LINE = re.compile(r"^changed: \[(?P<host>[^\]\s]+)(?: -> (?P<delegate>[^\]]+))?\]")


def fail(message, code=1):
    print(f"site_run: {message}", file=sys.stderr)
    sys.exit(code)


def node_names(count):
    return [(f"bench-n{i}", f"{NET}.{FIRST_NODE_OCTET + i - 1}") for i in range(1, count + 1)]


def layout(nodes, add_node):
    """(control plane, nodes, the node scale.yml adds or None), each as (name, ip)."""
    hosts = node_names(nodes + (1 if add_node else 0))
    return CONTROL_PLANE, hosts[:nodes], hosts[nodes] if add_node else None


def specs(*hosts):
    return [f"{name}:{ip}" for name, ip in hosts if name]


def node_count(text):
    value = int(text)
    if not 1 <= value <= MAX_NODES - 1:
        raise argparse.ArgumentTypeError(f"a layout has 1 to {MAX_NODES - 1} nodes")
    return value


# --- preconditions -------------------------------------------------------------------------------


def missing_artifacts():
    """The mirror paths molecule/cluster needs from RKTNETES_ARTIFACTS_DIR that it lacks."""
    wanted = [line.strip() for line in REQUIRED_ARTIFACTS.read_text().splitlines()]
    return [path for path in wanted if path and not path.startswith("#") and not (ARTIFACTS_DIR / path).is_file()]


def base_recipe_hash():
    """labctl's recipe_hash: build-base.sh, packages.txt and the files, in that order."""
    parts = [LAB / "base" / "build-base.sh", LAB / "base" / "packages.txt"]
    parts += sorted(p for p in (LAB / "base" / "files").iterdir() if not p.name.startswith("."))
    return sha256(b"".join(p.read_bytes() for p in parts)).hexdigest()


def lab_base():
    """The shared base rootfs cache when it is up to date, else one of the bench's own.

    Sharing is safe as labctl only reads it (the overlays' lower layer), but a stale one labctl
    would rebuild in place (rm -rf) under the hosts of the other lab that boot from it.
    """
    shared = Path(os.environ.get("LAB_BASE", SHARED_LAB_DIR / "base"))
    recorded = shared / "recipe.sha256"
    if (shared / "rootfs").is_dir() and recorded.is_file() and recorded.read_text().strip() == base_recipe_hash():
        return shared, None
    own = LAB_DIR / "base"
    return own, f"the shared base {shared} is missing or out of date: labctl builds one of the bench's own in {own}"


# --- files the runs read -------------------------------------------------------------------------


def mirror_versions(mirror):
    """The version labels build-mirror.sh gave the Debian-built etcd and CNI plugins."""
    versions_file = mirror / "versions.env"
    if not versions_file.is_file():
        return {"etcd": "<from mirror/versions.env>", "cni_plugins": "<from mirror/versions.env>"}
    pairs = (line.split("=", 1) for line in versions_file.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs if not key.startswith("#")}


def inventory(nodes, new_node=None):
    """The lab's inventory shape: the control-plane host is the one etcd member."""
    control = CONTROL_PLANE[0]
    members = [*nodes, new_node] if new_node else nodes
    return {
        "all": {
            "children": {
                "etcd": {"hosts": {control: None}},
                "control_plane": {"hosts": {control: None}},
                "nodes": {"hosts": dict.fromkeys(name for name, _ip in members)},
            },
            "hosts": {name: {"ansible_host": ip} for name, ip in [CONTROL_PLANE, *members]},
        }
    }


def group_vars(mirror_dir):
    """inventories/lab's group_vars and molecule/cluster's, with every path under the bench LAB_DIR."""
    versions = mirror_versions(mirror_dir)
    return {
        "ansible_user": "ansible",
        "ansible_become": True,
        "ansible_ssh_private_key_file": str(LAB_DIR / "keys" / "id_ed25519"),
        "ansible_python_interpreter": "/usr/bin/python3",
        "artifacts_mirror": str(mirror_dir),
        "artifacts_mirror_checksums": "SHA256SUMS",
        "artifacts_cache_dir": str(LAB_DIR / "artifact-cache"),
        "rktnetes_etcd_version": versions.get("etcd"),
        "rktnetes_cni_plugins_version": versions.get("cni_plugins"),
        "rktnetes_pki_dir": str(LAB_DIR / "pki"),
        "rktnetes_etcd_backup_dir": str(LAB_DIR / "etcd-backups"),
        # the lab hosts share this machine's disk (molecule/cluster sets the same)
        "preflight_rkt_min_free_gib": 1,
    }


def extra_vars(fingerprint, image):
    """tests/demo.sh's vars file, plus the CoreDNS build the registry serves (as molecule/cluster)."""
    return {
        **SELF_BUILT,
        "rkt_stage1_key": {
            "prefix": "coreos.com/rkt",
            "fingerprint": fingerprint,
            "artifact": "rkt_mirror_signing_key",
            "file": "mirror-signing-key.asc",
        },
        "rkt_stage1_accept_expired_key": False,
        "rkt_registry_ca_certificates": [str(LAB_DIR / "registry" / "ca.crt")],
        "rktnetes_verify_image": image,
        # site.yml's add-ons pull CoreDNS; the lab hosts reach no registry but the bench's own
        "rktnetes_image_registry": f"{BRIDGE_IP}:{REGISTRY_PORT}",
    }


def write_yaml(path, data, comment):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\n# {comment}\n" + yaml.safe_dump(data, sort_keys=False))


# --- commands ------------------------------------------------------------------------------------


def environment():
    """labctl's and the lab scripts' settings, and Ansible's output in the shape parsed here."""
    return {
        **os.environ,
        "LAB_DIR": str(LAB_DIR),
        "LAB_BRIDGE": BRIDGE,
        "LAB_BRIDGE_ADDR": f"{BRIDGE_IP}/24",
        "LAB_WAIT_TIMEOUT": os.environ.get("LAB_WAIT_TIMEOUT", "300"),  # several hosts on a busy machine
        "RKTNETES_ARTIFACTS_DIR": str(ARTIFACTS_DIR),
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_CALLBACKS_ENABLED": "ansible.posix.profile_tasks",
        "PROFILE_TASKS_TASK_OUTPUT_LIMIT": "all",
        "PROFILE_TASKS_SORT_ORDER": "descending",
    }


def labctl(*args):
    return [str(LABCTL), *args]


def registry(*args):
    return [sys.executable, str(LAB / "registry.py"), *args]


def dns(*args):
    return [sys.executable, str(LAB / "dns.py"), *args]


def playbook(name, inventory_file, vars_file, *extra):
    return [ANSIBLE_PLAYBOOK, "-i", str(inventory_file), f"playbooks/{name}", *extra, "-e", f"@{vars_file}"]


def setup_commands(nodes, new_node):
    """What each layout runs before its timed runs, in order (the mirror and the key come first, once)."""
    hosts = specs(CONTROL_PLANE, *nodes, new_node or ("", ""))
    return [
        labctl("up", *hosts),
        labctl("wait", *hosts),
        registry("start", str(LAB_DIR / "registry"), BRIDGE_IP, REGISTRY_PORT, str(LAB_DIR / "mirror" / "images")),
        dns("start", str(LAB_DIR / "dns"), BRIDGE_IP),
    ]


def once_commands():
    return [
        [str(LAB / "mirror" / "build-mirror.sh")],
        [
            sys.executable,
            str(LAB / "rkt_fixtures.py"),
            str(LAB_DIR / "mirror"),
            str(FIXTURES),
            SELF_BUILT["rktnetes_rkt_version"],
        ],
    ]


def teardown_commands():
    return [registry("stop", str(LAB_DIR / "registry")), dns("stop", str(LAB_DIR / "dns")), labctl("down")]


def run_step(command, env, log):
    """A setup command, its output appended to log; on failure its tail, then exit 1. Returns stdout."""
    with open(log, "a") as out:
        out.write(f"$ {' '.join(command)}\n")
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    with open(log, "a") as out:
        out.write(result.stdout + result.stderr)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).splitlines()[-30:]
        fail(f"{' '.join(command)} failed (exit {result.returncode}); full output in {log}:\n" + "\n".join(tail))
    return result.stdout


def teardown(env, log):
    """Registry, DNS server and lab hosts gone (what a previous run left too); never fails."""
    for command in teardown_commands():
        with open(log, "a") as out:
            out.write(f"$ {' '.join(command)}\n")
            subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=out, check=False)


def fresh_controller_state():
    """An empty controller for a cold run: no PKI, no artifact cache, no inventory of an earlier layout."""
    for name in ("pki", "artifact-cache", "etcd-backups", "inventory", "ssh"):
        shutil.rmtree(LAB_DIR / name, ignore_errors=True)


# --- a timed playbook run and what its output says ----------------------------------------------


def machine_cpu():
    """(busy, total) CPU time of the whole machine so far, in clock ticks (/proc/stat): the lab
    hosts share this machine's cores with the controller."""
    user, nice, system, idle, iowait, irq, softirq, steal = (
        int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    busy = user + nice + system + irq + softirq
    return busy, busy + idle + iowait + steal


def timed_playbook(command, env, log):
    """Runs it with its output streamed to log; on failure prints the tail and exits 1.
    Returns the wall time, the output and the CPU use: the share of the machine's CPU time that
    was busy, its busy CPU seconds and the controller's part of them."""
    print(f"  running: {' '.join(command[1:])}   (log: {log})", flush=True)
    start, (busy_before, total_before), controller_before = time.monotonic(), machine_cpu(), children_cpu()
    with open(log, "w") as out:
        result = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    elapsed = time.monotonic() - start
    busy_after, total_after = machine_cpu()
    usage = {
        "share": (busy_after - busy_before) / max(total_after - total_before, 1),
        "busy_s": (busy_after - busy_before) / os.sysconf("SC_CLK_TCK"),
        "controller_s": children_cpu() - controller_before,  # ansible-playbook's tree, not the hosts'
    }
    text = Path(log).read_text(errors="replace")
    if result.returncode != 0:
        tail = "\n".join(text.splitlines()[-40:])
        fail(f"{' '.join(command)} failed (exit {result.returncode}) after {elapsed:.1f} s; end of {log}:\n{tail}")
    return elapsed, text, usage


def after_recap(text):
    return text.split("PLAY RECAP", 1)[-1].splitlines()


def task_times(text):
    """[(seconds, task)] of every task banner (profile_tasks, all of them, after the recap)."""
    return [(float(m["seconds"]), m["task"]) for m in map(PROFILE_LINE.match, after_recap(text)) if m]


def slowest_tasks(text, count=SLOWEST):
    return sorted(task_times(text), reverse=True)[:count]


def time_shares(text):
    """Where a run's task time goes: {kind: [banners, seconds]} for the banners that ran modules
    on hosts (MODULE_RUN_S or longer) and the controller's short ones by kind, and
    {role: [banners, seconds]}."""
    kinds, roles = {}, {}
    for seconds, task in task_times(text):
        role, _sep, name = task.rpartition(" : ")
        if seconds >= MODULE_RUN_S:
            kind = "module runs on the hosts (banners of 0.2 s or more)"
        elif name.startswith("Validating arguments against arg spec"):
            kind = "argument validation (Ansible's, one per role entry)"
        elif not role:
            kind = "the playbooks' own tasks (include_role, set_fact, ...)"
        else:
            kind = "the roles' controller-side tasks (set_fact, assert, skipped, ...)"
        for table, key in ((kinds, kind), (roles, role.split(".")[-1] or "(the playbooks' own tasks)")):
            table.setdefault(key, [0, 0.0])
            table[key][0] += 1
            table[key][1] += seconds
    return kinds, roles


def recap(text):
    """{host: {ok, changed, unreachable, failed, skipped}} from the PLAY RECAP."""
    counts = {}
    for match in map(RECAP_LINE.match, after_recap(text)):
        if match:
            counts[match["host"]] = {key: int(value) for key, value in match.groupdict().items() if key != "host"}
    return counts


def changed_tasks(text, hosts):
    """{host: {task: changed results}} for the given hosts, from the default callback's changed lines."""
    found = {host: {} for host in hosts}
    task = "?"
    for line in text.splitlines():
        if header := TASK_HEADER.match(line):
            task = header["task"]
        elif (changed := CHANGED_LINE.match(line)) and changed["host"] in found:
            # delegated results count for the inventory host; say where they ran
            name = f"{task} (-> {changed['delegate']})" if changed["delegate"] else task
            found[changed["host"]][name] = found[changed["host"]].get(name, 0) + 1
    return found


# --- one layout ----------------------------------------------------------------------------------


def bring_up(nodes, new_node, env, setup_log):
    """A fresh lab for the layout (the previous one gone), its registry and DNS server, an empty controller."""
    print(f"  booting the lab hosts, the registry and the DNS server (output: {setup_log})", flush=True)
    teardown(env, setup_log)  # leftovers, and the previous layout's lab
    fresh_controller_state()
    start = time.monotonic()
    outputs = [run_step(command, env, setup_log) for command in setup_commands(nodes, new_node)]
    if VERIFY_IMAGE not in outputs[2].split():  # registry.py start prints the image it pushed
        fail(f"the registry did not push {VERIFY_IMAGE} (it said {outputs[2].strip()!r}); see {setup_log}")
    print(f"  ready in {time.monotonic() - start:.1f} s (not timed below)")


def write_inventory(nodes, new_node=None):
    write_yaml(HOSTS_FILE, inventory(nodes, new_node), "Written by benchmarks/site_run.py: the bench lab.")
    write_yaml(
        HOSTS_FILE.parent / "group_vars" / "all.yml",
        group_vars(LAB_DIR / "mirror"),
        "Written by benchmarks/site_run.py: inventories/lab's and molecule/cluster's settings for the bench lab.",
    )


def wait_quiet():
    """Waits until the machine's CPU was busy less than QUIET_SHARE over the last QUIET_WINDOW_S
    (at most QUIET_WAIT_S); says how long that took and how busy the last window was."""
    start, samples = time.monotonic(), [machine_cpu()]
    while True:
        time.sleep(1)
        samples = [*samples[-QUIET_WINDOW_S:], machine_cpu()]
        (busy_then, total_then), (busy_now, total_now) = samples[0], samples[-1]
        share = (busy_now - busy_then) / max(total_now - total_then, 1)
        waited = time.monotonic() - start
        if (len(samples) > QUIET_WINDOW_S and share < QUIET_SHARE) or waited >= QUIET_WAIT_S:
            print(f"  waited {waited:.0f} s for the cluster to settle (CPU {share:.0%} busy over {QUIET_WINDOW_S} s)")
            return


def site_runs(nodes_count, env, result):
    """site.yml from empty hosts, then again, then again once the cluster settled: the last two
    must change nothing."""
    for run in ("cold", "again", "settled"):
        if run == "settled":
            wait_quiet()
        log = LAB_DIR / "logs" / f"{nodes_count}-nodes-{run}.log"
        elapsed, text, result["cpu"][run] = timed_playbook(playbook("site.yml", HOSTS_FILE, VARS_FILE), env, log)
        result["times"][run], result["slowest"][run], result["recap"][run] = elapsed, slowest_tasks(text), recap(text)
        result["shares"][run] = time_shares(text)
        result["logs"][run] = log
    result["not_idempotent"] = {
        (run, host): counts["changed"]
        for run in UNCHANGED_RUNS
        for host, counts in result["recap"][run].items()
        if counts["changed"]
    }


def scale_run(nodes_count, nodes, new_node, env, result):
    """scale.yml adds the new node; which tasks changed something on the hosts already there."""
    write_inventory(nodes, new_node)
    log = LAB_DIR / "logs" / f"{nodes_count}-nodes-scale.log"
    extra = ("-e", f"scale_nodes={new_node[0]}")
    elapsed, text, result["cpu"]["scale"] = timed_playbook(
        playbook("scale.yml", HOSTS_FILE, VARS_FILE, *extra), env, log
    )
    result["times"]["scale"], result["slowest"]["scale"], result["logs"]["scale"] = elapsed, slowest_tasks(text), log
    result["new_node"] = new_node[0]
    result["scale_changed"] = changed_tasks(text, [name for name, _ip in [CONTROL_PLANE, *nodes]])


def measure(nodes_count, add_node, env, setup_log):
    _control, nodes, new_node = layout(nodes_count, add_node)
    title = f"1 control plane + {nodes_count} nodes"
    print(f"\n== {title} ==", flush=True)
    # ssh connections of its own: a master that ansible keeps (ControlPersist) to an earlier
    # layout's host at the same address would lead to a host that is gone
    env = {**env, "ANSIBLE_SSH_CONTROL_PATH_DIR": str(LAB_DIR / "ssh" / f"{nodes_count}-nodes")}
    bring_up(nodes, new_node, env, setup_log)
    write_inventory(nodes)
    result = {"title": title, "times": {}, "cpu": {}, "slowest": {}, "recap": {}, "logs": {}, "shares": {}}
    site_runs(nodes_count, env, result)
    if new_node:
        scale_run(nodes_count, nodes, new_node, env, result)
    report(nodes_count, result)
    return result


def versus_previous(nodes_count, run, seconds):
    parts = []
    if run in TARGETS_S:
        parts.append(f"target <= {TARGETS_S[run]} s")
    if nodes_count == PREVIOUS_NODES and run in PREVIOUS:
        parts.append(f"{seconds / PREVIOUS[run]:.2f}x the previous {PREVIOUS[run]} s")
    return f"  ({'; '.join(parts)})" if parts else ""


def report_shares(run, shares):
    kinds, roles = shares
    total = sum(seconds for _count, seconds in kinds.values())
    print(f"  where the {RUN_LABELS[run]}'s {total:.1f} s of task time goes (profile_tasks, banner to banner):")
    for kind, (count, seconds) in sorted(kinds.items(), key=lambda item: -item[1][1]):
        print(f"    {seconds:6.2f} s  {count:3d} banners  {kind}")
    print("    by role:")
    for role, (count, seconds) in sorted(roles.items(), key=lambda item: -item[1][1]):
        print(f"    {seconds:6.2f} s  {count:3d} banners  {role}")


def report(nodes_count, result):
    for run, seconds in result["times"].items():
        print(f"  {RUN_LABELS[run]}: {seconds:.1f} s{versus_previous(nodes_count, run, seconds)}")
        usage = result["cpu"][run]
        print(
            f"    the machine's {os.cpu_count()} cores were busy {usage['share']:.0%} of that time,"
            f" {usage['busy_s']:.1f} CPU s: the controller (ansible-playbook, its workers, the modules it ran"
            f" itself) {usage['controller_s']:.1f} s, the lab hosts and anything else"
            f" {usage['busy_s'] - usage['controller_s']:.1f} s"
        )
        print(f"    log: {result['logs'][run]}")
    if result["not_idempotent"]:
        for (run, host), changed in result["not_idempotent"].items():
            print(f"  NOT IDEMPOTENT: {RUN_LABELS[run]}, host {host} changed={changed}")
    else:
        print("  second and third site.yml: changed=0 on every host")
    if "scale_changed" in result:
        print(f"  tasks that changed something on the existing hosts while adding {result['new_node']}:")
        for host, tasks in result["scale_changed"].items():
            listed = ", ".join(f"{task} (x{count})" if count > 1 else task for task, count in tasks.items())
            print(f"    {host}: {listed or 'none'}")
    for run, rows in result["slowest"].items():
        print(f"  the {SLOWEST} slowest tasks, {RUN_LABELS[run]}:")
        for seconds, task in rows:
            print(f"    {seconds:8.2f} s  {task}")
    for run in UNCHANGED_RUNS:
        report_shares(run, result["shares"][run])
    print("  tasks per host (PLAY RECAP; ran = ok + failed, as Ansible's ok already counts the changed ones):")
    print(f"    {'host':<12} {'cold: ran':>10} {'changed':>8} {'skipped':>8}   {'second: ran':>11} {'changed':>8}")
    cold, again = result["recap"]["cold"], result["recap"]["again"]
    for host, counts in cold.items():
        other = again.get(host, {"ok": 0, "failed": 0, "changed": 0})
        print(
            f"    {host:<12} {counts['ok'] + counts['failed']:>10} {counts['changed']:>8} {counts['skipped']:>8}"
            f"   {other['ok'] + other['failed']:>11} {other['changed']:>8}"
        )


def growth(results):
    """{run: ratio} of the largest layout's times to the smallest's, when both ran."""
    if len(results) < 2:
        return None, {}
    small, large = min(results), max(results)
    runs = set(results[small]["times"]) & set(results[large]["times"])
    return (small, large), {run: results[large]["times"][run] / results[small]["times"][run] for run in runs}


def summary(results, argv):
    runs = [run for run in RUN_LABELS if any(run in r["times"] for r in results.values())]
    print("\nSummary (for docs/performance.md):\n")
    print("| layout | " + " | ".join(RUN_LABELS[run] for run in runs) + " |")
    print("|---" * (len(runs) + 1) + "|")
    for result in (results[count] for count in sorted(results)):
        cells = [
            f"{result['times'][run]:.1f} s (CPU {result['cpu'][run]['share']:.0%} busy)"
            if run in result["times"]
            else "-"
            for run in runs
        ]
        for run in (run for run in UNCHANGED_RUNS if run in result["times"]):
            changed = sum(count for (other, _host), count in result["not_idempotent"].items() if other == run)
            cells[runs.index(run)] += " (changed=0)" if not changed else f" (NOT IDEMPOTENT: changed={changed})"
        print(f"| {result['title']} | " + " | ".join(cells) + " |")
    pair, ratios = growth(results)
    if pair:
        cells = [f"{ratios[run]:.2f}x (target <= {GROWTH_TARGET[run]}x)" if run in ratios else "-" for run in runs]
        print(f"| growth {pair[0]} -> {pair[1]} nodes | " + " | ".join(cells) + " |")
    print("| target (issue) | " + " | ".join(f"<= {TARGETS_S[r]} s" if r in TARGETS_S else "-" for r in runs) + " |")
    previous = [f"{PREVIOUS[r]} s" if r in PREVIOUS else "-" for r in runs]
    print(f"| previous, 1 control plane + {PREVIOUS_NODES} nodes | " + " | ".join(previous) + " |")
    print(f"\nCommand: `{' '.join(['.venv/bin/python', 'benchmarks/site_run.py', *argv])}`")


# --- main ----------------------------------------------------------------------------------------


def dry_run(layouts, add_node, base, base_note):
    print(f"LAB_DIR={LAB_DIR} LAB_BRIDGE={BRIDGE} LAB_BRIDGE_ADDR={BRIDGE_IP}/24 LAB_BASE={base}")
    if base_note:
        print(f"note: {base_note}")
    for command in once_commands():
        print("$ " + " ".join(command))
    for nodes_count in layouts:
        _control, nodes, new_node = layout(nodes_count, add_node)
        print(f"\n== 1 control plane + {nodes_count} nodes ==")
        for command in [*teardown_commands(), *setup_commands(nodes, new_node)]:
            print("$ " + " ".join(command))
        for run in ("cold", "again", "settled"):
            print(f"$ {' '.join(playbook('site.yml', HOSTS_FILE, VARS_FILE))}   # {run}, timed")
        if new_node:
            extra = ("-e", f"scale_nodes={new_node[0]}")
            print(f"$ {' '.join(playbook('scale.yml', HOSTS_FILE, VARS_FILE, *extra))}   # timed")
        print(f"\n{HOSTS_FILE}" + (" (scale.yml: with the new node)" if new_node else "") + ":")
        print(yaml.safe_dump(inventory(nodes, new_node), sort_keys=False))
    print(f"{LAB_DIR / 'inventory' / 'group_vars' / 'all.yml'}:")
    print(yaml.safe_dump(group_vars(LAB_DIR / "mirror"), sort_keys=False))
    print(f"{VARS_FILE}:")
    print(yaml.safe_dump(extra_vars("<the fingerprint of rkt_fixtures.py's key>", VERIFY_IMAGE), sort_keys=False))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("nodes", nargs="*", type=node_count, default=[2, 5], help="nodes beside the control plane")
    parser.add_argument("--add-node", action="store_true", help="then add one node with playbooks/scale.yml (timed)")
    parser.add_argument("--keep", action="store_true", help="leave the last lab, its registry and DNS server running")
    parser.add_argument("--dry-run", action="store_true", help="print the commands, inventory and vars; run nothing")
    parser.add_argument("--mitogen", action="store_true", help="run every playbook with Mitogen's mitogen_linear")
    args = parser.parse_args()
    layouts = sorted(set(args.nodes))

    if not args.dry_run and os.geteuid() != 0:
        fail("must run as root: tests/lab/labctl mounts overlays, makes a bridge and cgroups", 2)
    if missing := missing_artifacts():
        fail(
            f"RKTNETES_ARTIFACTS_DIR ({ARTIFACTS_DIR}) lacks the self-built Kubernetes and rkt site.yml runs here: "
            + ", ".join(missing)
            + " (docs/artifacts.md)",
            2,
        )
    if not (ROOT / ".build" / "collections" / "ansible_collections" / "rktnetes" / "cluster").exists():
        fail("the collection is not linked under .build/collections: run `make deps` first", 2)
    base, base_note = lab_base()
    if args.dry_run:
        dry_run(layouts, args.add_node, base, base_note)
        return

    env = {**environment(), "LAB_BASE": str(base), **(mitogen_environment() if args.mitogen else {})}
    (LAB_DIR / "logs").mkdir(parents=True, exist_ok=True)
    setup_log = LAB_DIR / "logs" / "setup.log"
    setup_log.write_text("")
    if base_note:
        print(f"note: {base_note} (about a minute, once)")
    print(f"lab {LAB_DIR} on {BRIDGE} ({BRIDGE_IP}/24); setup output: {setup_log}", flush=True)
    results = {}
    try:
        shutil.rmtree(FIXTURES, ignore_errors=True)  # an older key in its keyring could sign instead
        for command in once_commands():  # the mirror, then a signing key of this run over its stage1
            run_step(command, env, setup_log)
        fingerprint = (FIXTURES / "mirror-key.fpr").read_text().strip()
        write_yaml(
            VARS_FILE, extra_vars(fingerprint, VERIFY_IMAGE), "Written by benchmarks/site_run.py (as demo.sh's)."
        )
        for nodes_count in layouts:
            results[nodes_count] = measure(nodes_count, args.add_node, env, setup_log)
    finally:
        if args.keep:
            print(f"\n--keep: the lab stays up (tests/lab/labctl with LAB_DIR={LAB_DIR} LAB_BRIDGE={BRIDGE}).")
            print("  stop it: " + "; ".join(" ".join(c) for c in teardown_commands()) + " (with that environment)")
        else:
            teardown(env, setup_log)
    summary(results, sys.argv[1:])


if __name__ == "__main__":
    main()
