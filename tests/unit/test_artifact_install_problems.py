"""artifact_install_problems: the files a role asks the artifacts role for, checked against the plan
(what roles/artifacts/templates/unknown_files.j2 did in Jinja)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.rktnetes.cluster.plugins.filter.artifacts import artifact_install_problems

PLAN = {
    "artifacts": {
        "kubernetes/amd64": {"name": "kubernetes", "files": {"kubelet": "k/kubelet", "kubectl": "k/kubectl"}},
        "kubernetes/arm64": {"name": "kubernetes", "files": {"kubelet": "k/kubelet", "kubectl": "k/kubectl"}},
        "etcd/amd64": {"name": "etcd", "files": {"etcd": "e/etcd", "etcdctl": "e/etcdctl"}},
    },
    "problems": [],
}


def test_known_files_are_no_problem():
    install = [
        {"artifact": "kubernetes", "files": ["kubelet", "kubectl"], "dest": "/usr/local/bin"},
        {"artifact": "etcd", "files": ["etcd"], "dest": "/usr/local/bin"},
    ]
    assert artifact_install_problems(install, PLAN) == []


def test_each_unknown_file_is_named_with_what_the_table_lists():
    install = [{"artifact": "kubernetes", "files": ["kubelet", "kubeadm", "kube-dns"], "dest": "/usr/local/bin"}]
    assert artifact_install_problems(install, PLAN) == [
        "artifacts_install: kubernetes has no file kubeadm (the table lists kubelet, kubectl)",
        "artifacts_install: kubernetes has no file kube-dns (the table lists kubelet, kubectl)",
    ]


def test_an_artifact_outside_the_plan_and_an_entry_without_files_are_skipped():
    install = [{"artifact": "rkt", "files": ["rkt"], "dest": "/x"}, {"artifact": "etcd", "dest": "/x"}]
    assert artifact_install_problems(install, PLAN) == []
    assert artifact_install_problems([], {}) == []


@pytest.mark.parametrize(("install", "plan"), [("kubelet", PLAN), ([{"files": ["x"]}], PLAN), ([], None)])
def test_bad_input_is_a_filter_error(install, plan):
    with pytest.raises(AnsibleFilterError):
        artifact_install_problems(install, plan)
