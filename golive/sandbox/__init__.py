"""The throwaway systemd-nspawn fleet behind ``golive demo``, the integration tests,
the benchmarks and Molecule's create/destroy.

    with Fleet([HostSpec("app1", ["lunia_app"])], name_prefix="demo") as fleet:
        converge(fleet)
        fleet.ssh("app1", "systemctl is-active lunia_bot")
"""

from golive.sandbox.converge import ConvergeError, ConvergeResult, converge
from golive.sandbox.faults import FAULTS, Fault, FaultError
from golive.sandbox.fleet import Fleet, FleetError
from golive.sandbox.hosts import HostSpec
from golive.sandbox.image import DEFAULT_CACHE_DIR, ensure_image

__all__ = [
    "DEFAULT_CACHE_DIR",
    "FAULTS",
    "ConvergeError",
    "ConvergeResult",
    "Fault",
    "FaultError",
    "Fleet",
    "FleetError",
    "HostSpec",
    "converge",
    "ensure_image",
]
