#!/usr/bin/python3
"""golive's host collector: every fact the host checks need, gathered in one task.

Runs on the managed host with nothing but its Python 3.8+ standard library (Ansible
ships ``AnsibleModule`` inside the module payload). The ``groups`` argument names the
fact groups to gather and their arguments, e.g.::

    groups:
      units: {units: [lunia_core, lunia_bot]}
      falco: {units: [falco-modern-bpf, falco], config: /etc/falco/falco.yaml, healthz_timeout: 2}
      swap: {}
      flags: {units: [lunia_bot], flags: [BINANCE_FORCE_MOCK], env_files: []}
      version: {file: /etc/lunia/VERSION}

Each group is one function in ``GROUPS``: adding a group is adding a function there.
A group that raises becomes ``{"error": ...}`` for that group only, and every fact
inside a group carries its own ``error``, so one unreadable file never costs the host.

Secret-looking values (names with KEY, SECRET, TOKEN, PASSWORD, ... or values holding
URL credentials or key material) are dropped HERE, before the result leaves the host,
so they never reach Ansible's event data, logs, evidence or reports.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

from ansible.module_utils.basic import AnsibleModule

MAX_READ = 1024 * 1024
COMMAND_TIMEOUT = 10.0
# Words that make an environment variable's value a secret (whole `_`-separated words,
# or words ending with one of them: APIKEY, ACCESSTOKEN).
SECRET_WORDS = (
    "KEY",
    "SECRET",
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "CREDENTIAL",
    "CREDENTIALS",
    "PRIVATE",
    "AUTH",
    "COOKIE",
    "SESSION",
)
_SECRET_VALUE = re.compile(r"://[^/\s:@]+:[^/\s@]+@|-----BEGIN [A-Z ]*PRIVATE KEY-----|\bpassword\s*=", re.IGNORECASE)
_SHOW_PROPERTIES = "Id,LoadState,ActiveState,SubState,UnitFileState,Result,MainPID,Environment,EnvironmentFiles,FragmentPath"


# --- secrets -------------------------------------------------------------------------


def is_secret_name(name: str) -> bool:
    words = [word for word in re.split(r"[^A-Z0-9]+", name.upper()) if word]
    return any(word == secret or word.endswith(secret) for word in words for secret in SECRET_WORDS)


def scrub(name: str, value: str) -> str | None:
    """The value, or None when the name or the value looks like a secret."""
    if is_secret_name(name) or _SECRET_VALUE.search(value):
        return None
    return value


def scrub_tree(data: object) -> object:
    """Drop string values stored under secret-looking keys anywhere in `data` (a last line of defence)."""
    if isinstance(data, dict):
        return {key: (None if isinstance(value, str) and is_secret_name(str(key)) else scrub_tree(value)) for key, value in data.items()}
    if isinstance(data, list):
        return [scrub_tree(value) for value in data]
    return data


# --- small readers -------------------------------------------------------------------


def read_text(path: str, limit: int = MAX_READ) -> str:
    with open(path, "rb") as handle:
        raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise ValueError(f"{path} is larger than {limit} bytes")
    return raw.decode("utf-8", errors="replace")


def run(argv: list[str], timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, check=False)


def error_text(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return f"{type(exc).__name__}: {exc}"


# --- systemd -------------------------------------------------------------------------


def unit_name(name: str) -> str:
    return name if "." in name else name + ".service"


_SHOW_CACHE: dict[str, dict[str, object]] = {}


def systemctl_show(units: list[str]) -> dict[str, dict[str, object]]:
    """`systemctl show` for every unit in one call; repeated lookups come from a cache."""
    wanted = [unit_name(unit) for unit in units]
    missing = [unit for unit in dict.fromkeys(wanted) if unit not in _SHOW_CACHE]
    if missing:
        done = run(["systemctl", "show", "--no-pager", "-p", _SHOW_PROPERTIES, "--", *missing])
        if done.returncode != 0 and not done.stdout:
            raise RuntimeError(f"systemctl show exited {done.returncode}: {done.stderr.strip()[:300]}")
        blocks = done.stdout.split("\n\n")
        for unit, block in zip_blocks(missing, blocks):
            _SHOW_CACHE[unit] = parse_show(block)
    return {unit: _SHOW_CACHE[unit] for unit in wanted}


def zip_blocks(units: list[str], blocks: list[str]) -> list[tuple[str, str]]:
    blocks = [block for block in blocks if block.strip()]
    if len(blocks) != len(units):
        raise RuntimeError(f"systemctl show returned {len(blocks)} blocks for {len(units)} units")
    return [(units[index], blocks[index]) for index in range(len(units))]


def parse_show(block: str) -> dict[str, object]:
    props: dict[str, object] = {"EnvironmentFiles": []}
    for line in block.splitlines():
        key, sep, value = line.partition("=")
        if not sep:
            continue
        if key == "EnvironmentFiles":
            # "PATH (ignore_errors=yes|no)", one line per file.
            path, _, rest = value.rpartition(" (ignore_errors=")
            props["EnvironmentFiles"].append({"path": path or value, "optional": rest.startswith("yes")})  # type: ignore[union-attr]
        else:
            props[key] = value
    return props


def unit_state(props: dict[str, object]) -> dict[str, object]:
    return {
        "load": props.get("LoadState", ""),
        "active": props.get("ActiveState", ""),
        "sub": props.get("SubState", ""),
        "enabled": props.get("UnitFileState", ""),
        "result": props.get("Result", ""),
        "main_pid": int(str(props.get("MainPID") or 0) or 0),
    }


def units_facts(args: dict[str, object]) -> dict[str, object]:
    units = [str(unit) for unit in args.get("units") or []]
    shown = systemctl_show(units)
    return {"units": {unit: unit_state(shown[unit_name(unit)]) for unit in units}}


# --- environment files, parsed as systemd does -----------------------------------------


def parse_env_file(text: str) -> list[list[object]]:
    """Assignments [name, value, line] in file order, following systemd's env-file parser:
    `#` and `;` start comment lines, whitespace around keys is ignored, values may be
    single- or double-quoted (quoted parts concatenate), backslash escapes and a trailing
    backslash continues the line, unquoted values lose trailing whitespace."""
    assignments: list[list[object]] = []
    index, line, size = 0, 1, len(text)
    while index < size:
        # Skip blank space and comment lines before a key.
        while index < size and text[index] in " \t\r\n":
            if text[index] == "\n":
                line += 1
            index += 1
        if index >= size:
            break
        if text[index] in "#;":
            while index < size and text[index] != "\n":
                index += 1
            continue
        start_line = line
        key_start = index
        while index < size and text[index] not in "=\n":
            index += 1
        if index >= size or text[index] == "\n":
            continue  # a line without '=' is ignored, as systemd does
        key = text[key_start:index].strip()
        index += 1
        value, index, line = _env_value(text, index, line)
        if key and re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", key):
            assignments.append([key, value, start_line])
    return assignments


def _env_value(text: str, index: int, line: int) -> tuple[str, int, int]:
    size = len(text)
    out: list[str] = []
    trailing = 0  # unquoted whitespace at the end, dropped when the line ends
    while index < size and text[index] in " \t":
        index += 1
    while index < size:
        char = text[index]
        if char == "\n":
            line += 1
            index += 1
            break
        if char == "'":
            index += 1
            while index < size and text[index] != "'":
                line += text[index] == "\n"
                out.append(text[index])
                index += 1
            index += 1
            trailing = 0
            continue
        if char == '"':
            index += 1
            while index < size and text[index] != '"':
                if text[index] == "\\" and index + 1 < size:
                    nxt = text[index + 1]
                    if nxt == "\n":
                        line += 1
                    elif nxt in '"\\`$':
                        out.append(nxt)
                    else:
                        out.append("\\" + nxt)
                    index += 2
                    continue
                line += text[index] == "\n"
                out.append(text[index])
                index += 1
            index += 1
            trailing = 0
            continue
        if char == "\\" and index + 1 < size:
            nxt = text[index + 1]
            if nxt == "\n":
                line += 1
            else:
                out.append(nxt)
            index += 2
            trailing = 0
            continue
        out.append(char)
        trailing = trailing + 1 if char in " \t\r" else 0
        index += 1
    value = "".join(out)
    return (value[: len(value) - trailing] if trailing else value), index, line


def split_unit_environment(value: str) -> list[list[object]]:
    """The `Environment=` property as systemctl show prints it: space-separated words,
    quoted and escaped where needed; later words win."""
    import shlex

    try:
        words = shlex.split(value)
    except ValueError:
        words = value.split()
    pairs: list[list[object]] = []
    for position, word in enumerate(words, start=1):
        name, sep, val = word.partition("=")
        if sep:
            pairs.append([name, val, position])
    return pairs


def scrub_assignments(assignments: list[list[object]]) -> list[list[object]]:
    return [[name, scrub(str(name), str(value)), where] for name, value, where in assignments]


def env_file_facts(path: str, optional: bool) -> dict[str, object]:
    entry: dict[str, object] = {"path": path, "optional": optional}
    try:
        entry["assignments"] = scrub_assignments(parse_env_file(read_text(path)))
    except FileNotFoundError:
        entry["missing"] = True
        if not optional:
            entry["error"] = f"{path}: no such file"
    except (OSError, ValueError) as exc:
        entry["error"] = error_text(exc)
    return entry


def process_environ(pid: int) -> dict[str, object]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as handle:
            raw = handle.read(MAX_READ)
    except OSError as exc:
        return {"pid": pid, "error": f"/proc/{pid}/environ: {exc.strerror or exc}"}
    environ: dict[str, str | None] = {}
    for chunk in raw.split(b"\0"):
        name, sep, value = chunk.decode("utf-8", errors="replace").partition("=")
        if sep and name:
            environ[name] = scrub(name, value)
    return {"pid": pid, "environ": environ}


def flags_facts(args: dict[str, object]) -> dict[str, object]:
    units = [str(unit) for unit in args.get("units") or []]
    shown = systemctl_show(units)
    result: dict[str, object] = {"units": {}, "env_files": {}}
    for unit in units:
        props = shown[unit_name(unit)]
        state = unit_state(props)
        entry: dict[str, object] = {"state": state}
        entry["environment"] = scrub_assignments(split_unit_environment(str(props.get("Environment", ""))))
        files = props.get("EnvironmentFiles") or []
        entry["environment_files"] = [env_file_facts(str(item["path"]), bool(item["optional"])) for item in files]  # type: ignore[index]
        pid = int(state["main_pid"])  # type: ignore[call-overload]
        entry["process"] = process_environ(pid) if pid > 0 else {"pid": 0, "error": f"no main process ({state['active']})"}
        result["units"][unit] = entry  # type: ignore[index]
    for path in args.get("env_files") or []:
        result["env_files"][str(path)] = env_file_facts(str(path), False)  # type: ignore[index]
    return result


# --- Falco ----------------------------------------------------------------------------


def load_yaml(text: str) -> object:
    try:
        import yaml  # python3-yaml: on most hosts, not guaranteed

        return yaml.safe_load(text)
    except ImportError:
        return json.loads(text) if text.lstrip().startswith("{") else parse_yaml_subset(text)


def parse_yaml_subset(text: str) -> dict[str, object]:
    """Top-level keys of a block-style YAML file with scalar, list or one-level mapping
    values: enough for falco.yaml's rules_files and webserver where PyYAML is absent."""
    data: dict[str, object] = {}
    current: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip() or line.strip() == "---":
            continue
        if not line.startswith((" ", "-")):
            key, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"line {number}: expected 'key: value'")
            current = key.strip()
            value = value.strip()
            data[current] = _scalar(value) if value else None
            continue
        if current is None:
            raise ValueError(f"line {number}: indented content before any key")
        stripped = line.strip()
        if stripped.startswith("- "):
            if data[current] is None:
                data[current] = []
            if not isinstance(data[current], list):
                raise ValueError(f"line {number}: list item under a mapping")
            data[current].append(_scalar(stripped[2:].strip()))  # type: ignore[union-attr]
        else:
            key, sep, value = stripped.partition(":")
            if not sep:
                raise ValueError(f"line {number}: expected 'key: value'")
            if data[current] is None:
                data[current] = {}
            if not isinstance(data[current], dict):
                raise ValueError(f"line {number}: mapping entry under a list")
            data[current][key.strip()] = _scalar(value.strip())  # type: ignore[index]
    return data


def _scalar(value: str) -> object:
    if value[:1] in "\"'" and value[-1:] == value[:1] and len(value) > 1:
        return value[1:-1]
    if value.startswith("[") and value.endswith("]"):
        return [_scalar(part.strip()) for part in value[1:-1].split(",") if part.strip()]
    lowered = value.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    if re.match(r"^-?\d+$", value):
        return int(value)
    return value


def falco_config(path: str) -> dict[str, object]:
    entry: dict[str, object] = {"path": path}
    try:
        text = read_text(path)
    except FileNotFoundError:
        entry["exists"] = False
        return entry
    except (OSError, ValueError) as exc:
        entry["exists"] = True
        entry["error"] = error_text(exc)
        return entry
    entry["exists"] = True
    try:
        data = load_yaml(text)
    except Exception as exc:  # any parser error means "does not parse"
        entry["parse_error"] = " ".join(str(exc).split())[:400]
        return entry
    if not isinstance(data, dict):
        entry["parse_error"] = f"top level is {type(data).__name__}, not a mapping"
        return entry
    rules = data.get("rules_files", data.get("rules_file"))
    if isinstance(rules, str):
        rules = [rules]
    entry["rules_files"] = [rules_entry(str(item)) for item in rules] if isinstance(rules, list) else None
    server = data.get("webserver")
    server = server if isinstance(server, dict) else {}
    entry["webserver"] = {
        "configured": "webserver" in data,
        "enabled": server.get("enabled") is True,
        "port": server.get("listen_port", 8765),
        "address": server.get("listen_address", "127.0.0.1") or "127.0.0.1",
        "endpoint": server.get("k8s_healthz_endpoint", "/healthz"),
        "ssl": server.get("ssl_enabled") is True,
    }
    return entry


def rules_entry(path: str) -> dict[str, object]:
    if os.path.isdir(path):
        files = [name for name in os.listdir(path) if name.endswith((".yaml", ".yml"))]
        return {"path": path, "exists": True, "kind": "directory", "files": len(files)}
    if os.path.isfile(path):
        return {"path": path, "exists": os.access(path, os.R_OK), "kind": "file", "readable": os.access(path, os.R_OK)}
    return {"path": path, "exists": False}


def probe_healthz(server: dict[str, object], timeout: float) -> dict[str, object]:
    address = str(server["address"])
    if address in ("0.0.0.0", "::", ""):
        address = "127.0.0.1"
    host = f"[{address}]" if ":" in address else address
    url = f"{'https' if server['ssl'] else 'http'}://{host}:{server['port']}{server['endpoint']}"
    result: dict[str, object] = {"url": url, "timeout": timeout}
    # No proxies: the probe is of this host's own loopback listener.
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
    if server["ssl"]:
        # A liveness probe of a loopback listener: the certificate is Falco's own.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    started = time.monotonic()
    try:
        with opener.open(url, timeout=timeout) as response:
            result["status"] = response.status
            result["body"] = response.read(512).decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        result["status"] = exc.code
    except (TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        result["error"] = (
            f"no answer within {timeout:g} s" if isinstance(reason, socket.timeout) or "timed out" in str(reason) else str(reason)
        )
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def falco_facts(args: dict[str, object]) -> dict[str, object]:
    units = [str(unit) for unit in args.get("units") or []]
    shown = systemctl_show(units)
    result: dict[str, object] = {"units": {unit: unit_state(shown[unit_name(unit)]) for unit in units}}
    config = falco_config(str(args.get("config") or "/etc/falco/falco.yaml"))
    result["config"] = config
    server = config.get("webserver")
    if isinstance(server, dict) and server.get("enabled"):
        result["healthz"] = probe_healthz(server, float(args.get("healthz_timeout") or 2.0))  # type: ignore[arg-type]
    return result


# --- swap -----------------------------------------------------------------------------


def parse_swaps(text: str) -> list[dict[str, object]]:
    devices = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 5:
            continue
        devices.append(
            {"path": fields[0], "type": fields[1], "size_kib": int(fields[2]), "used_kib": int(fields[3]), "priority": int(fields[4])}
        )
    return devices


def dm_table(name: str) -> dict[str, object]:
    if shutil.which("dmsetup") is None:
        return {"error": "dmsetup is not installed"}
    try:
        done = run(["dmsetup", "table", name])
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": f"dmsetup table {name}: {error_text(exc)}"}
    if done.returncode != 0:
        return {"error": f"dmsetup table {name}: {(done.stderr or done.stdout).strip()[:200]}"}
    targets = []
    for line in done.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[0].isdigit():
            # Only the target type and cipher leave the host: the key field never does.
            target = {"type": fields[2]}
            if fields[2] == "crypt" and len(fields) >= 4:
                target["cipher"] = fields[3]
            targets.append(target)
    return {"targets": targets}


def swap_device(device: dict[str, object]) -> dict[str, object]:
    path = str(device["path"])
    entry = dict(device)
    resolved = os.path.realpath(path) if path.startswith("/dev/") else path
    name = os.path.basename(resolved)
    entry["resolved"] = resolved
    if name.startswith("dm-"):
        entry["kind"] = "dm"
        for field in ("uuid", "name"):
            try:
                entry[f"dm_{field}"] = read_text(f"/sys/block/{name}/dm/{field}").strip()
            except (OSError, ValueError) as exc:
                entry[f"dm_{field}_error"] = error_text(exc)
        if entry.get("dm_name"):
            entry["dm_table"] = dm_table(str(entry["dm_name"]))
    elif name.startswith("zram"):
        entry["kind"] = "zram"
    elif device.get("type") == "file":
        entry["kind"] = "file"
    else:
        entry["kind"] = "block"
    return entry


def parse_crypttab(text: str) -> list[dict[str, object]]:
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        keyfile = fields[2] if len(fields) > 2 else "none"
        # The third field names a key file; anything else is not echoed back.
        shown = keyfile if keyfile in ("none", "-") or keyfile.startswith("/") else None
        entries.append(
            {
                "line": number,
                "name": fields[0],
                "device": fields[1] if len(fields) > 1 else "",
                "keyfile": shown,
                "options": fields[3].split(",") if len(fields) > 3 else [],
            }
        )
    return entries


def swap_facts(args: dict[str, object]) -> dict[str, object]:
    result: dict[str, object] = {}
    swaps_path = str(args.get("swaps") or "/proc/swaps")
    try:
        result["devices"] = [swap_device(device) for device in parse_swaps(read_text(swaps_path))]
    except (OSError, ValueError) as exc:
        result["swaps_error"] = error_text(exc)
    crypttab = str(args.get("crypttab") or "/etc/crypttab")
    try:
        result["crypttab"] = parse_crypttab(read_text(crypttab))
    except FileNotFoundError:
        result["crypttab"] = []
        result["crypttab_missing"] = True
    except (OSError, ValueError) as exc:
        result["crypttab_error"] = error_text(exc)
    return result


# --- deployed version ---------------------------------------------------------------------


def version_facts(args: dict[str, object]) -> dict[str, object]:
    path = str(args.get("file") or "/etc/lunia/VERSION")
    try:
        lines = read_text(path, 4096).strip().splitlines()
    except (OSError, ValueError) as exc:
        return {"file": path, "error": error_text(exc)}
    return {"file": path, "version": lines[0].strip() if lines else ""} if lines else {"file": path, "error": f"{path} is empty"}


# Fact groups by name; the controller asks for the ones its items need.
GROUPS = {
    "units": units_facts,
    "falco": falco_facts,
    "swap": swap_facts,
    "flags": flags_facts,
    "version": version_facts,
}


def gather(requests: dict[str, dict[str, object]]) -> dict[str, object]:
    facts: dict[str, object] = {}
    for name, args in requests.items():
        function = GROUPS.get(name)
        started = time.monotonic()
        if function is None:
            facts[name] = {"error": f"this collector has no fact group {name!r} (known: {', '.join(sorted(GROUPS))})"}
            continue
        try:
            facts[name] = function(args or {})
        except Exception as exc:  # one fact group failing must not cost the others
            facts[name] = {"error": error_text(exc)}
        facts[name]["seconds"] = round(time.monotonic() - started, 3)  # type: ignore[index]
    return scrub_tree(facts)  # type: ignore[return-value]


def main() -> None:
    module = AnsibleModule(argument_spec={"groups": {"type": "dict", "required": True}}, supports_check_mode=True)
    started = time.monotonic()
    facts = gather(module.params["groups"])
    module.exit_json(changed=False, golive=facts, python=sys.version.split()[0], seconds=round(time.monotonic() - started, 3))


if __name__ == "__main__":
    main()
