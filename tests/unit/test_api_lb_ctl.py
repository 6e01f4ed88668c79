"""rktnetes-api-lb-ctl reads a server's admin state from haproxy's `show servers state` (format 1,
as haproxy 2.6 prints it), so that `ready-if-out` puts back only a server someone set to maint or
drain. On the lab's haproxy the cluster scenario's step 15 proves it end to end."""

from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

import pytest

CTL = Path(__file__).resolve().parents[2] / "roles" / "api_lb" / "files" / "rktnetes-api-lb-ctl"
loader = SourceFileLoader("api_lb_ctl", str(CTL))
ctl = module_from_spec(spec_from_loader("api_lb_ctl", loader))
loader.exec_module(ctl)

HEADER = (
    "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight "
    "srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state "
    "srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl "
    "srv_check_port srv_check_addr srv_agent_addr srv_agent_port"
)
STATE = "\n".join(
    [
        "1",
        HEADER,
        "3 kube-apiserver 1 cluster-1 10.200.0.81 2 0 1 1 64 6 3 4 6 0 0 0 - 6443 - 0 0 - - 0",
        "3 kube-apiserver 2 cluster-2 10.200.0.82 0 1 1 1 12 6 3 4 6 0 0 0 - 6443 - 0 0 - - 0",
        "3 kube-apiserver 3 cluster-3 10.200.0.83 2 8 1 1 12 6 3 4 6 0 0 0 - 6443 - 0 0 - - 0",
        "",
    ]
)


def test_the_admin_state_of_each_server():
    assert ctl.admin_state(STATE, "cluster-1") == 0
    assert ctl.admin_state(STATE, "cluster-2") & ctl.SET_OUT  # maint
    assert ctl.admin_state(STATE, "cluster-3") & ctl.SET_OUT  # drain
    assert ctl.admin_state(STATE, "cluster-9") is None


def test_an_answer_it_cannot_read_is_an_error_not_a_guess():
    with pytest.raises(ValueError, match="unexpected answer"):
        ctl.admin_state("Unknown command\n", "cluster-1")
