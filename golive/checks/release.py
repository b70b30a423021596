"""Release Metadata: the version tag, the commit and the release date."""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from golive.checklist import ItemSpec
from golive.checks import JudgeContext, check
from golive.collectors import Evidence
from golive.collectors.git import GitData
from golive.model import Finding, Outcome, Status
from golive.timeutil import parse_day_or_moment
from golive.yamlfile import ConfigError

if TYPE_CHECKING:
    from golive.collectors.hosts import HostsData
    from golive.collectors.supply_chain import SupplyChainData

# Sources whose evidence carries `versions: {name: version}` to compare with the tag.
VERSION_SOURCES = {"hosts": "inventory", "http": "api"}


def version_tags(item_params: dict[str, Any], git: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The tags at the release commit matching the item's pattern (`git`: a GitData, or {}
    when there is no git evidence)."""
    pattern = str(item_params.get("tag_pattern", "*"))
    return [tag for tag in git.get("tags", []) if fnmatch.fnmatchcase(tag["name"], pattern)]


def tag_version(tag: str, strip_prefix: str) -> str:
    return tag[len(strip_prefix) :] if strip_prefix and tag.startswith(strip_prefix) else tag


@check("release.version_tag", also_uses=(*VERSION_SOURCES, "supply_chain"))
def version_tag(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    git = cast("GitData", evidence.data)
    tags = version_tags(item.params, git)
    commit = git["commit"][:12]
    if not tags:
        others = ", ".join(tag["name"] for tag in git.get("tags", []))
        hint = f" (tags there: {others})" if others else ""
        return Outcome(Status.FAIL, f"no tag matching {item.params['tag_pattern']} points at the release commit {commit}{hint}")
    if len(tags) > 1:
        names = ", ".join(tag["name"] for tag in tags)
        return Outcome(Status.FAIL, f"ambiguous: several version tags point at {commit}: {names}")
    tag = tags[0]["name"]
    version = tag_version(tag, str(item.params.get("strip_prefix", "")))
    configured = ctx.config.release.get("version")
    if configured and str(configured) != version:
        return Outcome(Status.FAIL, f"release.version says {configured} but the tag at {commit} is {tag}")

    findings: list[Finding] = []
    unavailable: list[str] = []
    for source, setting in VERSION_SOURCES.items():
        if not getattr(ctx.config, setting):
            continue
        other = ctx.evidence.get(source)
        if other is None or other.error or other.missing or not other.data.get("versions"):
            reason = (other.error or other.missing) if other else "not collected"
            # An inventory without hosts proves nothing about what runs where.
            unavailable.append(f"{source} versions: {reason or 'none reported'}")
            continue
        for name, reported in sorted(other.data["versions"].items()):
            if reported != version:
                findings.append(Finding(f"version:{name}", Status.FAIL, f"{name} reports {reported!r}, tag says {version}", host=name))
    image_note = ""
    if ctx.config.release.get("image_file") and ctx.config.inventory:
        image_note = deployed_images(ctx, findings, unavailable)
    outcome = Outcome.from_findings(findings, f"{tag} points at {commit}{image_note}")
    if unavailable and not findings:
        return Outcome(Status.INSUFFICIENT, f"{tag} points at {commit}, but consistency is unproven: " + "; ".join(unavailable))
    return outcome


@check("release.commit_sha")
def commit_sha(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    git = cast("GitData", evidence.data)
    dirty = git.get("dirty", [])
    if dirty:
        shown = ", ".join(dirty[:10]) + (f" and {len(dirty) - 10} more" if len(dirty) > 10 else "")
        return Outcome(Status.FAIL, f"work tree of {git['repo']} has {len(dirty)} uncommitted change(s): {shown}")
    excluded = git.get("excluded") or []
    left_out = f" (golive's own state left out: {', '.join(excluded)})" if excluded else ""
    return Outcome.passed(f"{git['commit']} on {git['branch']}, work tree clean{left_out}")


def release_date(release: dict[str, Any], git: Mapping[str, Any], tag_params: dict[str, Any]) -> tuple[dt.datetime | None, str]:
    """The release date and where it came from: config, else the version tag, else the commit."""
    configured = release.get("date")
    if configured:
        return _as_datetime(configured), "release.date"
    tags = version_tags(tag_params, git)
    if len(tags) == 1:
        return _as_datetime(tags[0]["date"]), f"tag {tags[0]['name']}"
    if git.get("commit_date"):
        return _as_datetime(git["commit_date"]), "commit date"
    return None, "nothing"


def _as_datetime(value: Any) -> dt.datetime | None:
    # golive.yml's release.date was validated when the configuration was loaded; git's
    # dates carry their offset. Whatever still fails here fails the item, never the run.
    try:
        return parse_day_or_moment(value, "release date")
    except ConfigError:
        return None


@check("release.date")
def release_date_check(item: ItemSpec, evidence: Evidence, ctx: JudgeContext) -> Outcome:
    tag_item = ctx.config.checklist.get("release.version_tag")
    moment, origin = release_date(ctx.config.release, evidence.data, tag_item.params if tag_item else {})
    if moment is None:
        raw = ctx.config.release.get("date")
        return Outcome(Status.FAIL, f"release date from {origin} is not an ISO-8601 date: {raw!r}" if raw else "no release date")
    if moment > ctx.as_of:
        return Outcome(Status.FAIL, f"release date {moment.isoformat()} ({origin}) is after --as-of {ctx.as_of.isoformat()}")
    return Outcome.passed(f"{moment.isoformat()} ({origin})")


def deployed_images(ctx: JudgeContext, findings: list[Finding], unavailable: list[str]) -> str:
    """release.image_file on each version host must name an image of the release manifest
    (sources.supply_chain) by digest: the hosts run what was signed and tagged. Adds a
    finding per host that does not, and says what could not be compared."""
    hosts, chain = ctx.evidence.get("hosts"), ctx.evidence.get("supply_chain")
    if hosts is None or hosts.error or hosts.missing or "images" not in hosts.data:
        unavailable.append("deployed images: the host pass recorded none")
        return ""
    if chain is None or chain.error or chain.missing:
        unavailable.append(
            f"deployed images: no release manifest to compare with ({(chain.error or chain.missing) if chain else 'not collected'})"
        )
        return ""
    digests = {str(image["digest"]) for image in cast("SupplyChainData", chain.data)["images"]}
    recorded = cast("HostsData", hosts.data)["images"]
    errors = cast("HostsData", hosts.data).get("image_errors", {})
    for name, reference in sorted(recorded.items()):
        if not reference:
            findings.append(
                Finding(
                    f"image:{name}", Status.INSUFFICIENT, f"{name}: no deployed image recorded ({errors.get(name, 'empty')})", host=name
                )
            )
        elif reference.rpartition("@")[2] not in digests:
            findings.append(
                Finding(f"image:{name}", Status.FAIL, f"{name} deployed {reference}, not an image of the release manifest", host=name)
            )
    if not recorded:
        unavailable.append("deployed images: no version host")
    return f"; {len(recorded)} host(s) deployed the manifest's image" if recorded and not findings else ""
