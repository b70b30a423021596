#!/usr/bin/python3
"""The sandbox's scheduled backup job: snapshot the canary path with restic and borg,
restore it into a temporary directory, compare SHA-256 with the source and write one
restore record per tool (the format golive's host collector reads)."""

import argparse
import datetime
import hashlib
import json
import os
import socket
import subprocess
import tempfile


def env_file(path: str) -> dict:
    values = {}
    with open(path) as handle:
        for line in handle:
            name, sep, value = line.strip().partition("=")
            if sep and not name.startswith("#"):
                values[name] = value.strip().strip('"')
    return values


def digests(root: str) -> dict:
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, root)] = hashlib.sha256(handle.read()).hexdigest()
    return found


def run(argv: list, env: dict, cwd: str = "/") -> str:
    return subprocess.run(argv, env={**os.environ, **env}, cwd=cwd, check=True, capture_output=True, text=True).stdout


def restic(canary: str, env: dict) -> tuple:
    if not os.path.exists(os.path.join(env["RESTIC_REPOSITORY"], "config")):
        run(["restic", "init", "--no-cache"], env)
    run(["restic", "backup", "--no-cache", "--host", socket.gethostname(), canary], env)
    snapshot = json.loads(run(["restic", "snapshots", "--no-cache", "--json", "--latest", "1"], env))[-1]["id"]
    with tempfile.TemporaryDirectory() as target:
        run(["restic", "restore", "--no-cache", snapshot, "--target", target, "--include", canary], env)
        return env["RESTIC_REPOSITORY"], snapshot, digests(target + canary)


def borg(canary: str, env: dict) -> tuple:
    if not os.path.exists(os.path.join(env["BORG_REPO"], "config")):
        run(["borg", "init", "--encryption", "repokey"], env)
    archive = "lunia-" + datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    run(["borg", "create", "::" + archive, canary], env)
    with tempfile.TemporaryDirectory() as target:
        run(["borg", "extract", "::" + archive, canary.lstrip("/")], env, cwd=target)
        return env["BORG_REPO"], archive, digests(target + canary)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--canary", required=True)
    parser.add_argument("--record-dir", required=True)
    parser.add_argument("--restic-env", required=True)
    parser.add_argument("--borg-env", required=True)
    args = parser.parse_args()
    source = digests(args.canary)
    os.makedirs(args.record_dir, exist_ok=True)
    for tool, job, env in (("restic", restic, args.restic_env), ("borg", borg, args.borg_env)):
        repository, snapshot, restored = job(args.canary, {**env_file(env), "BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK": "no"})
        record = {
            "schema": "golive/restore-record/v1",
            "tool": tool,
            "repository": repository,
            "snapshot": snapshot,
            "path": args.canary,
            "restored_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "files": restored,
            "matched": restored == source,
            "by": "lunia-backup",
        }
        with open(os.path.join(args.record_dir, tool + ".json"), "w") as handle:
            json.dump(record, handle, indent=1)


if __name__ == "__main__":
    main()
