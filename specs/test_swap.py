"""Example spec: every active swap device is a dm-crypt mapping."""

testinfra_hosts = ["ansible://all"]


def test_swap_devices_are_dm_crypt(host):
    """Active swap is dm-crypt"""
    lines = host.file("/proc/swaps").content_string.splitlines()[1:]
    assert lines, "no active swap"
    for line in lines:
        device = line.split()[0]
        name = host.check_output(f"basename $(readlink -f {device})")
        assert name.startswith("dm-"), f"{device} is not a device-mapper device"
        assert host.file(f"/sys/block/{name}/dm/uuid").content_string.startswith("CRYPT-"), f"{device} is not dm-crypt"
