"""The preflight host probe's reading (plugins/module_utils/host_probe.py); the probe itself runs
on lab hosts in tests/lab/test_preflight_bad_input.py."""

import pytest

from ansible_collections.rktnetes.cluster.plugins.module_utils.host_probe import host_problems

FIT = {
    "pid1": "systemd",
    "systemd_version": 252,
    "dbus": True,
    "swap_kib": 0,
    "missing": [],
    "ip_forward_writable": True,
    "rkt_dir_free_kib": 10 * 1048576,
    "versions": "",
}
LIMITS = {"min_systemd_version": 219, "fail_swap_on": True, "rkt_data_dir": "/var/lib/rkt", "rkt_min_free_gib": 5}


def test_a_fit_host_has_no_problem():
    assert host_problems(FIT, LIMITS) == []


@pytest.mark.parametrize(
    ("probe", "limits", "expected"),
    [
        ({"pid1": "init"}, {}, "init: PID 1 is init, not systemd"),
        ({"systemd_version": 215}, {}, "systemd 215 is older than 219 (preflight_min_systemd_version)"),
        ({"dbus": False}, {}, "D-Bus: the system bus does not answer"),
        ({"swap_kib": 2048}, {}, "swap: 2048 KiB of swap is on"),
        ({"missing": ["gpgv", "nsenter"]}, {}, "commands missing: gpgv, nsenter (preflight_required_commands)"),
        ({"ip_forward_writable": False}, {}, "/proc/sys/net/ipv4/ip_forward is not writable"),
        ({"rkt_dir_free_kib": 1572864}, {}, "/var/lib/rkt: 1.5 GiB free, preflight_rkt_min_free_gib wants 5;"),
        ({}, {"rkt_min_free_gib": 20.5}, "/var/lib/rkt: 10.0 GiB free, preflight_rkt_min_free_gib wants 20.5;"),
    ],
)
def test_each_lack_is_one_problem_saying_what_to_do(probe, limits, expected):
    problems = host_problems({**FIT, **probe}, {**LIMITS, **limits})
    assert len(problems) == 1
    assert problems[0].startswith(expected)


def test_swap_is_allowed_when_fail_swap_on_is_off():
    assert host_problems({**FIT, "swap_kib": 2048}, {**LIMITS, "fail_swap_on": False}) == []


def test_an_old_systemd_is_not_reported_when_pid1_is_not_systemd():
    problems = host_problems({**FIT, "pid1": "sh", "systemd_version": 0}, LIMITS)
    assert [p.split(":")[0] for p in problems] == ["init"]


def test_every_problem_at_once():
    lacking = {"pid1": "sh", "dbus": False, "swap_kib": 1, "missing": ["ip"], "ip_forward_writable": False}
    assert len(host_problems({**FIT, **lacking, "rkt_dir_free_kib": 0}, LIMITS)) == 6
