"""`golive demo`: a real release of the Lunia demo service, a real fleet, the whole checklist.

It builds a release repository from examples/lunia_demo (docs, KPI data, a tag dated
just before --as-of), boots three systemd-nspawn hosts, starts a real OpenBao on the
fleet's bridge, builds the service as a signed OCI image (podman, syft, a cosign-format
signature), converges the hosts with roles/lunia_reference (they deploy the image's
filesystem; the service runs as lunia_api), lets golive run the demo's own suites, load
test, Playwright test, Bandit and a wapiti crawl, and judges `staging` and then `prod`
(which promotes from staging) on the same fleet. Everything it started is stopped
whatever happens. The one thing this machine cannot have, Trivy's vulnerability
database, is left out through security.scanners' `require`, and the demo says so.

Its parts: team (the demo team's data), breaks (what `--break` breaks), plan (one run
and the commands it runs), release (the release repository), service (the API, its
image, OpenBao), signing (keys, attestations, sign-off, verification) and phases
(setting up, judging, tearing down; `run_demo` is the entry point).
"""
