#!/usr/bin/python3
"""golive's host collector: every fact the host checks need, gathered in one task.

Runs on the managed host with nothing but its Python 3.8+ standard library. It is a
JSON-args module (Ansible's "JSONARGS" module style): Ansible writes the task's
arguments into ``JSON_ARGS`` below and pipes this file to the host's python3 as it is.
An AnsibleModule-based module would ship as an AnsiballZ zip whose module_utils the
host recompiles on every run: about 0.2 s of CPU per host, which on 20 hosts made the
whole pass 1.8x slower (bench/host_pass.py). Pipelining applies to both styles. The
``groups`` argument names the fact groups to gather and their arguments, e.g.::

    groups:
      units: {units: [lunia_core, lunia_bot]}
      falco: {units: [falco-modern-bpf, falco], config: /etc/falco/falco.yaml, healthz_timeout: 2}
      swap: {}
      flags: {units: [lunia_bot], flags: [BINANCE_FORCE_MOCK], env_files: []}
      version: {file: /etc/lunia/VERSION}
      modsecurity: {probe_url: "http://127.0.0.1/", timeout: 5, xss_query: ..., sqli_query: ..., scanner_user_agent: Nikto}
      crowdsec: {units: [crowdsec]}
      backups: {repositories: {restic: /etc/lunia/restic.env}, read_data_subset: 5%, canary_path: ..., record_dir: ..., restore_test: false}
      endpoints: {env_file: /etc/lunia/endpoints.env, redis_var: REDIS_URL, postgres_var: DATABASE_URL, llm_var: LLM_BASE_URL, llm_path: /health}
      time_sync: {timeout: 5}

Backup repository passwords and endpoint credentials are read from their root-only
files on the host and handed to restic/borg/psql through the environment; they never
appear in a command line or in the returned facts.

Each group is one function in ``GROUPS``, whose keys are the one definition of the group
names: the controller reads them from this file (golive.collectors.hosts.host_groups) and
a contract test holds the checks' requests to exactly these. A new host fact is its
checklist item, its check with the requests naming its group, the group's function
here, and what the reference role sets up on a host for it.
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
import subprocess
import sys
import threading
import time

# Only what every visit needs is imported here: a group imports the rest inside its
# functions. On a host, urllib.request alone (email, http.client, ssl) cost 26 ms of the
# visit's CPU, more than a third of what the host items need in all.

# Ansible replaces the marker with the task's arguments as JSON; a raw string keeps its
# escapes intact, and JSON text never holds three quotes in a row.
JSON_ARGS = r"""<<INCLUDE_ANSIBLE_MODULE_JSON_ARGS>>"""
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


def which(name: str) -> str | None:
    """shutil.which for a bare command name, without importing shutil (bz2, lzma, fnmatch)."""
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        path = os.path.join(folder or ".", name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def start_threads(calls: dict[str, object]) -> object:
    """Start independent zero-argument callables in threads of their own; the returned
    function waits for them and gives each key its callable's return value. The callables
    catch their own errors, as they did when run in turn; one that raises anyway has its
    exception re-raised by the waiting function, in the caller's thread."""
    results: dict[str, object] = {}
    failures: dict[str, BaseException] = {}

    def call(key: str, function: object) -> None:
        try:
            results[key] = function()  # type: ignore[operator]
        except BaseException as exc:  # handed back to the caller by wait()
            failures[key] = exc

    threads = [threading.Thread(target=call, args=(key, function), daemon=True) for key, function in calls.items()]
    for thread in threads:
        thread.start()

    def wait() -> dict[str, object]:
        for thread in threads:
            thread.join()
        for key in calls:
            if key in failures:
                raise failures[key]
        return {key: results[key] for key in calls}

    return wait


def concurrently(calls: dict[str, object]) -> dict[str, object]:
    """`calls` run in threads at once; their results by key once all are done."""
    return start_threads(calls)()  # type: ignore[operator, no-any-return]


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
    except ImportError:
        return json.loads(text) if text.lstrip().startswith("{") else parse_yaml_subset(text)
    # libyaml's safe loader where the host has it: a full-size falco.yaml (1,700 lines,
    # mostly comments) parses in 4 ms instead of the pure-Python loader's 66.
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


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
    # PyYAML shares an alias's object, so loading an alias bomb is cheap; only what is copied
    # out (str() of a list, the module's JSON) would expand it. Copy out scalars only.
    entry["rules_files"] = (
        [
            rules_entry(item) if isinstance(item, str) else {"path": f"({type(item).__name__}, not a path)", "exists": False}
            for item in rules
        ]
        if isinstance(rules, list)
        else None
    )
    server = data.get("webserver")
    server = server if isinstance(server, dict) else {}
    entry["webserver"] = {
        "configured": "webserver" in data,
        "enabled": server.get("enabled") is True,
        "port": _scalar_only(server.get("listen_port", 8765)),
        "address": _scalar_only(server.get("listen_address", "127.0.0.1") or "127.0.0.1"),
        "endpoint": _scalar_only(server.get("k8s_healthz_endpoint", "/healthz")),
        "ssl": server.get("ssl_enabled") is True,
    }
    return entry


def _scalar_only(value: object) -> object:
    return value if isinstance(value, (str, int, float, bool)) else None


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
    # A liveness probe of this host's own loopback listener: the certificate is Falco's own.
    plain = None if server["ssl"] else plain_http_get(url, address, int(server["port"]), str(server["endpoint"]), timeout, 512)  # type: ignore[call-overload]
    result = plain if plain is not None else http_probe(url, timeout, verify_tls=not server["ssl"], body_bytes=512)
    result["timeout"] = timeout
    return result


def plain_http_get(url: str, address: str, port: int, path: str, timeout: float, body_bytes: int) -> dict[str, object] | None:
    """http_probe's answer for a plain-HTTP GET over a bare socket, for the host items'
    one probe (Falco's healthz): urllib.request would import email and http.client, a
    third of the visit's CPU. Any answer urllib would treat differently (a redirect, a
    chunked or informational response, anything that does not parse) returns None, and
    the caller asks urllib. Errors are worded as http_probe words them."""
    import socket

    result: dict[str, object] = {"url": url}
    started = time.monotonic()
    host = f"[{address}]" if ":" in address else address
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: golive-collect\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n"
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            sock.sendall(request.encode("ascii"))
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            lines = head.decode("iso-8859-1").split("\r\n")
            words = lines[0].split(None, 2)
            if not sep or len(words) < 2 or not words[0].startswith("HTTP/1.") or not words[1].isdigit():
                return None
            status = int(words[1])
            headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
            if status < 200 or 300 <= status < 400 or "chunked" in headers.get("transfer-encoding", "").lower():
                return None
            result["status"] = status
            if status < 400 and body_bytes:
                length = headers.get("content-length", "")
                wanted = min(body_bytes, int(length)) if length.isdigit() else body_bytes
                while len(body) < wanted:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    body += chunk
                result["body"] = body[:wanted].decode("utf-8", errors="replace")
    except (TimeoutError, OSError, ValueError) as exc:
        result["error"] = f"no answer within {timeout:g} s" if isinstance(exc, socket.timeout) or "timed out" in str(exc) else str(exc)
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
    if which("dmsetup") is None:
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


# --- ModSecurity (Apache mod_security2, nginx libmodsecurity3) ------------------------------

_CRS_RULE_FILE = re.compile(r"(?:REQUEST|RESPONSE)-9\d\d-[A-Z0-9-]+\.conf$")
_CRS_EXCLUSIONS = ("REQUEST-900-", "RESPONSE-999-")
_APACHE_SECTION = re.compile(r"^<\s*(/)?\s*(\w+)\s*([^>]*)>")


def sec_rule_file_facts(text: str, path: str, scope: list[str], facts: dict[str, object]) -> None:
    """SecRuleEngine lines of one Apache or ModSecurity file, with the <section> they sit in."""
    stack = list(scope)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        section = _APACHE_SECTION.match(line)
        if section:
            if section.group(1):
                if len(stack) > len(scope):
                    stack.pop()
            elif section.group(2).lower() not in ("ifmodule", "ifdefine", "ifversion"):
                stack.append(f"{section.group(2)} {section.group(3).strip()}".strip())
            continue
        words = line.split()
        if words[0].lower() == "secruleengine" and len(words) > 1:
            facts["engine"].append({"value": words[1], "file": path, "line": number, "scope": " > ".join(stack)})  # type: ignore[attr-defined]


def crs_file_facts(paths: list[str], facts: dict[str, object]) -> None:
    names = [os.path.basename(path) for path in paths]
    facts["crs_rule_files"] = sum(1 for name in names if _CRS_RULE_FILE.search(name) and not name.startswith(_CRS_EXCLUSIONS))
    facts["crs_setup"] = next((path for path in paths if os.path.basename(path) == "crs-setup.conf"), None)


def apache_facts() -> dict[str, object]:
    facts: dict[str, object] = {"kind": "apache", "engine": []}
    modules = run(["apache2ctl", "-t", "-D", "DUMP_MODULES"])
    if modules.returncode != 0:
        raise RuntimeError(f"apache2ctl -t -D DUMP_MODULES exited {modules.returncode}: {modules.stderr.strip()[:300]}")
    facts["module_loaded"] = "security2_module" in modules.stdout
    includes = run(["apache2ctl", "-t", "-D", "DUMP_INCLUDES"])
    paths = [match.group(1) for match in re.finditer(r"\)\s+(/\S+)\s*$", includes.stdout, re.MULTILINE)]
    facts["included_files"] = len(paths)
    for path in paths:
        try:
            sec_rule_file_facts(read_text(path), path, [], facts)
        except (OSError, ValueError) as exc:
            facts.setdefault("unreadable", []).append(error_text(exc))  # type: ignore[union-attr]
    crs_file_facts(paths, facts)
    return facts


def modsec_rules_includes(path: str, facts: dict[str, object], seen: set[str], depth: int = 0) -> list[str]:
    """The files a ModSecurity rules file loads (Include / IncludeOptional, globs), itself first."""

    import glob

    if path in seen or depth > 8:
        return []
    seen.add(path)
    text = read_text(path)
    sec_rule_file_facts(text, path, [], facts)
    loaded = [path]
    for raw in text.splitlines():
        words = raw.strip().split()
        if len(words) >= 2 and words[0].lower() in ("include", "includeoptional"):
            target = words[1].strip("\"'")
            if not target.startswith("/"):
                target = os.path.join(os.path.dirname(path), target)
            matches = sorted(glob.glob(target))
            if not matches and words[0].lower() == "include":
                facts.setdefault("unreadable", []).append(f"{target}: included by {path} but missing")  # type: ignore[union-attr]
            for match in matches:
                loaded += modsec_rules_includes(match, facts, seen, depth + 1)
    return loaded


def nginx_facts() -> dict[str, object]:
    facts: dict[str, object] = {"kind": "nginx", "engine": [], "switches": [], "returns": []}
    dump = run(["nginx", "-T"])
    if dump.returncode != 0:
        raise RuntimeError(f"nginx -T exited {dump.returncode}: {dump.stderr.strip()[-300:]}")
    facts["module_loaded"] = bool(re.search(r"^\s*load_module\s+\S*modsecurity\S*\s*;", dump.stdout, re.MULTILINE))
    rules_files: list[str] = []
    stack: list[str] = []
    current, number = "", 0
    for raw in dump.stdout.splitlines():
        marker = re.match(r"^# configuration file (\S+):$", raw)
        if marker:
            current, number, stack = marker.group(1), 0, []
            continue
        number += 1
        line = raw.split("#", 1)[0].strip()
        for token in re.findall(r"[^{};]+[{;]|}", line):
            token = token.strip()
            if token == "}":
                if stack:
                    stack.pop()
                continue
            if token.endswith("{"):
                stack.append(" ".join(token[:-1].split()))
                continue
            words = token[:-1].split()
            scope = " > ".join(stack)
            if words[0] == "modsecurity" and len(words) > 1:
                facts["switches"].append({"value": words[1], "file": current, "line": number, "scope": scope})  # type: ignore[attr-defined]
            elif words[0] == "modsecurity_rules_file" and len(words) > 1:
                rules_files.append(words[1].strip("\"'"))
            elif words[0] == "return" and any(part.startswith("location") for part in stack):
                facts["returns"].append({"value": " ".join(words[1:]), "file": current, "line": number, "scope": scope})  # type: ignore[attr-defined]
    loaded: list[str] = []
    seen: set[str] = set()
    for path in dict.fromkeys(rules_files):
        try:
            loaded += modsec_rules_includes(path, facts, seen)
        except (OSError, ValueError) as exc:
            facts.setdefault("unreadable", []).append(error_text(exc))  # type: ignore[union-attr]
    facts["rules_files"] = rules_files
    crs_file_facts(loaded, facts)
    return facts


def http_probe(
    url: str, timeout: float, user_agent: str = "golive-collect", verify_tls: bool = True, body_bytes: int = 0
) -> dict[str, object]:
    """GET `url` without proxies; the status (any code) and the first `body_bytes` of the
    body, or why there was no answer."""
    import socket
    import ssl
    import urllib.error
    import urllib.request

    result: dict[str, object] = {"url": url}
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
    if not verify_tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    started = time.monotonic()
    try:
        with opener.open(request, timeout=timeout) as response:
            result["status"] = response.status
            if body_bytes:
                result["body"] = response.read(body_bytes).decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        result["status"] = exc.code
    except (TimeoutError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        result["error"] = (
            f"no answer within {timeout:g} s" if isinstance(reason, socket.timeout) or "timed out" in str(reason) else str(reason)
        )
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def modsecurity_facts(args: dict[str, object]) -> dict[str, object]:
    servers = {"apache": ("apache2", apache_facts), "nginx": ("nginx", nginx_facts)}
    shown = systemctl_show([unit for unit, _ in servers.values()])
    result: dict[str, object] = {"servers": {}}
    for kind, (unit, reader) in servers.items():
        state = unit_state(shown[unit_name(unit)])
        entry: dict[str, object] = {"unit": unit, "state": state}
        if state["active"] == "active":
            try:
                entry.update(reader())
            except (OSError, RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
                entry["error"] = error_text(exc)
        result["servers"][kind] = entry  # type: ignore[index]
    url = str(args.get("probe_url") or "http://127.0.0.1/")
    timeout = float(args.get("timeout") or 5.0)  # type: ignore[arg-type]
    agent = "golive-waf-probe/1"
    joiner = "&" if "?" in url else "?"
    result["probes"] = {
        "benign": http_probe(url, timeout, agent),
        "xss": http_probe(url + joiner + str(args.get("xss_query") or ""), timeout, agent),
        "sqli": http_probe(url + joiner + str(args.get("sqli_query") or ""), timeout, agent),
        "scanner": http_probe(url, timeout, str(args.get("scanner_user_agent") or "Nikto")),
    }
    return result


# --- CrowdSec ------------------------------------------------------------------------------


def cscli_json(argv: list[str]) -> object:
    done = run(["cscli", *argv, "-o", "json"], timeout=20)
    if done.returncode != 0:
        raise RuntimeError(f"cscli {' '.join(argv)} exited {done.returncode}: {(done.stderr or done.stdout).strip()[-300:]}")
    return json.loads(done.stdout or "null")


def crowdsec_units(args: dict[str, object]) -> list[str]:
    return [str(unit) for unit in args.get("units") or ["crowdsec", "crowdsec-firewall-bouncer"]]


def crowdsec_lapi() -> dict[str, object]:
    status = run(["cscli", "lapi", "status"], timeout=20)
    text = " ".join((status.stdout + " " + status.stderr).split())
    return {"lapi": {"rc": status.returncode, "output": text[-400:]}}


def crowdsec_bouncers() -> dict[str, object]:
    try:
        bouncers = cscli_json(["bouncers", "list"]) or []
        return {
            "bouncers": [
                {key: bouncer.get(key) for key in ("name", "ip_address", "valid", "revoked", "last_pull", "type", "version")}
                for bouncer in bouncers  # type: ignore[attr-defined]
                if isinstance(bouncer, dict)
            ]
        }
    except (RuntimeError, ValueError, OSError, subprocess.TimeoutExpired) as exc:
        return {"bouncers_error": error_text(exc)}


def crowdsec_collections() -> dict[str, object]:
    try:
        # Offline hosts cannot fetch the hub index of their version; master's local copy lists what is installed.
        listed = cscli_json(["collections", "list", "--branch", "master"])
        collections = listed.get("collections", []) if isinstance(listed, dict) else []
        return {
            "collections": [
                {"name": item.get("name"), "status": item.get("status"), "version": item.get("local_version")}
                for item in collections or []
                if isinstance(item, dict)
            ]
        }
    except (RuntimeError, ValueError, OSError, subprocess.TimeoutExpired) as exc:
        return {"collections_error": error_text(exc)}


def crowdsec_facts(args: dict[str, object]) -> dict[str, object]:
    units = crowdsec_units(args)
    shown = systemctl_show(units)
    result: dict[str, object] = {"units": {unit: unit_state(shown[unit_name(unit)]) for unit in units}}
    if which("cscli") is None:
        result["cscli"] = "missing"
        return result
    # Three reads of three stores (the LAPI, its database, the hub's files), independent
    # of each other: they run at once.
    parts = concurrently({"lapi": crowdsec_lapi, "bouncers": crowdsec_bouncers, "collections": crowdsec_collections})
    for part in parts.values():
        result.update(part)  # type: ignore[call-overload]
    return result


# --- backups (restic, borg) ---------------------------------------------------------------

_REPO_CREDENTIALS = re.compile(r"(://)[^/\s@]*@")
RESTORE_RECORD_SCHEMA = "golive/restore-record/v1"


def plain_env_file(path: str) -> dict[str, str]:
    """An env file as a mapping (later lines win); values never leave this module."""
    return {str(name): str(value) for name, value, _ in parse_env_file(read_text(path))}


def repository_name(value: str) -> str:
    # rest:https://user:pass@host/ and sftp:user@host: only the location is reported.
    return _REPO_CREDENTIALS.sub(r"\1", value)


def utc_text(value: str) -> str | None:
    """restic's nanosecond RFC 3339 and borg's naive local times, as UTC ISO 8601."""

    import datetime as dt

    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)?$", value.strip())
    if not match:
        return None
    stamp = dt.datetime.fromisoformat(match.group(1) + "." + (match.group(2) or "0")[:6].ljust(6, "0"))
    zone = match.group(3)
    if zone:
        stamp = stamp.replace(tzinfo=dt.timezone.utc if zone == "Z" else dt.datetime.strptime(zone, "%z").tzinfo)
    else:
        stamp = stamp.astimezone()  # borg prints the host's local time without an offset
    return stamp.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def sha256_file(path: str) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_digests(root: str) -> dict[str, str]:
    if os.path.isfile(root):
        return {os.path.basename(root): sha256_file(root)}
    found: dict[str, str] = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, root)] = sha256_file(path)
    return found


class BackupTool:
    """restic or borg behind one interface: snapshots, check, dump, restore."""

    def __init__(self, name: str, env: dict[str, str], timeout: float) -> None:
        self.name, self.timeout = name, timeout
        self.env = {**os.environ, **env, "RESTIC_PROGRESS_FPS": "0.01", "BORG_RELOCATED_REPO_ACCESS_IS_OK": "no"}
        self.env.setdefault("BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK", "no")

    def call(self, argv: list[str], cwd: str = "/", binary: bool = False) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
        done = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, text=not binary, timeout=self.timeout, check=False, env=self.env, cwd=cwd
        )
        return done

    def failed(self, what: str, done: subprocess.CompletedProcess) -> RuntimeError:  # type: ignore[type-arg]
        stderr = done.stderr.decode("utf-8", "replace") if isinstance(done.stderr, bytes) else done.stderr
        return RuntimeError(f"{self.name} {what} exited {done.returncode}: {' '.join(stderr.split())[-300:]}")

    def repository(self) -> str:
        return repository_name(self.env.get("RESTIC_REPOSITORY" if self.name == "restic" else "BORG_REPO", ""))

    def snapshots(self) -> list[dict[str, object]]:
        if self.name == "restic":
            done = self.call(["restic", "snapshots", "--no-cache", "--no-lock", "--json"])
            if done.returncode != 0:
                raise self.failed("snapshots", done)
            items = json.loads(done.stdout or "[]") or []
            return [{"id": item.get("id"), "time": utc_text(str(item.get("time", ""))), "paths": item.get("paths")} for item in items]
        done = self.call(["borg", "list", "--json"])
        if done.returncode != 0:
            raise self.failed("list", done)
        items = (json.loads(done.stdout or "{}") or {}).get("archives", [])
        return [{"id": item.get("name"), "time": utc_text(str(item.get("start") or item.get("time") or ""))} for item in items]

    def check(self, subset: str) -> dict[str, object]:
        if self.name == "restic":
            argv = (
                ["restic", "check", "--no-cache", f"--read-data-subset={subset}"]
                if subset
                else ["restic", "check", "--no-cache", "--read-data"]
            )
        else:
            argv = ["borg", "check", "--verify-data"]
        started = time.monotonic()
        done = self.call(argv)
        output = " ".join((done.stdout + " " + done.stderr).split())
        return {
            "argv": argv[:2] + argv[3:] if self.name == "restic" else argv,
            "rc": done.returncode,
            "output": output[-600:],
            "seconds": round(time.monotonic() - started, 3),
        }

    def dump_digest(self, snapshot: str, path: str) -> str:
        import hashlib

        if self.name == "restic":
            done = self.call(["restic", "dump", "--no-cache", "--no-lock", snapshot, path], binary=True)
        else:
            done = self.call(["borg", "extract", "--stdout", f"::{snapshot}", path.lstrip("/")], binary=True)
        if done.returncode != 0:
            raise self.failed("dump", done)
        return hashlib.sha256(done.stdout).hexdigest()

    def restore(self, snapshot: str, path: str, target: str) -> str:
        if self.name == "restic":
            done = self.call(["restic", "restore", "--no-cache", snapshot, "--target", target, "--include", path])
        else:
            done = self.call(["borg", "extract", f"::{snapshot}", path.lstrip("/")], cwd=target)
        if done.returncode != 0:
            raise self.failed("restore", done)
        return os.path.join(target, path.lstrip("/"))


def verify_record(tool: BackupTool, record_path: str, snapshots: list[dict[str, object]]) -> dict[str, object]:
    """A restore record counts only if its snapshot still exists and its checksums are that snapshot's files."""
    try:
        record = json.loads(read_text(record_path, 256 * 1024))
    except FileNotFoundError:
        return {"path": record_path, "missing": True}
    except (OSError, ValueError) as exc:
        return {"path": record_path, "error": error_text(exc)}
    if not isinstance(record, dict) or record.get("schema") != RESTORE_RECORD_SCHEMA or not isinstance(record.get("files"), dict):
        return {"path": record_path, "error": f"not a {RESTORE_RECORD_SCHEMA} record"}
    entry: dict[str, object] = {
        "path": record_path,
        "snapshot": record.get("snapshot"),
        "restored_at": utc_text(str(record.get("restored_at", ""))) or record.get("restored_at"),
        "canary": record.get("path"),
        "matched": record.get("matched") is True,
        "by": record.get("by"),
        "files": len(record["files"]),
    }
    ids = {str(item.get("id")) for item in snapshots}
    entry["snapshot_exists"] = str(record.get("snapshot")) in ids
    if entry["snapshot_exists"] and entry["matched"]:
        root = str(record.get("path") or "")
        mismatched = []
        for relpath, recorded in sorted(record["files"].items()):
            # A canary that is a single file is recorded under its own name.
            member = os.path.join(root, relpath) if os.path.isdir(root) else root
            try:
                actual = tool.dump_digest(str(record["snapshot"]), member)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                mismatched.append({"file": relpath, "error": error_text(exc)})
                continue
            if actual != recorded:
                mismatched.append({"file": relpath, "recorded": recorded, "snapshot": actual})
        entry["mismatched"] = mismatched
    return entry


def restore_test(tool: BackupTool, snapshot: str, canary: str, record_path: str) -> dict[str, object]:
    """Restore the canary path into a temporary directory, compare SHA-256 with the source, clean up, record it."""
    import datetime as dt
    import shutil
    import tempfile

    result: dict[str, object] = {"snapshot": snapshot, "canary": canary}
    started = time.monotonic()
    target = tempfile.mkdtemp(prefix="golive-restore-")
    try:
        restored_root = tool.restore(snapshot, canary, target)
        restored = tree_digests(restored_root) if os.path.exists(restored_root) else {}
    finally:
        shutil.rmtree(target, ignore_errors=True)
    result["cleaned_up"] = not os.path.exists(target)
    source = tree_digests(canary) if os.path.exists(canary) else {}
    result["files"] = len(restored)
    result["mismatched"] = sorted(name for name in set(source) | set(restored) if source.get(name) != restored.get(name))
    result["matched"] = bool(restored) and not result["mismatched"]
    result["seconds"] = round(time.monotonic() - started, 3)
    record = {
        "schema": RESTORE_RECORD_SCHEMA,
        "tool": tool.name,
        "repository": tool.repository(),
        "snapshot": snapshot,
        "path": canary,
        "restored_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "files": restored,
        "matched": result["matched"],
        "by": "golive --restore-test",
    }
    try:
        os.makedirs(os.path.dirname(record_path), mode=0o700, exist_ok=True)
        partial = record_path + ".part"
        with open(partial, "w") as handle:
            json.dump(record, handle, indent=1)
        os.replace(partial, record_path)
        result["record_written"] = record_path
    except OSError as exc:
        result["record_error"] = error_text(exc)
    return result


def backup_repository_facts(name: str, env_path: str, args: dict[str, object]) -> dict[str, object]:
    entry: dict[str, object] = {"env_file": env_path}
    try:
        env = plain_env_file(env_path)
    except FileNotFoundError:
        entry["configured"] = False
        return entry
    entry["configured"] = True
    if which(name) is None:
        entry["error"] = f"{name} is not installed"
        return entry
    tool = BackupTool(name, env, float(args.get("timeout") or 120))  # type: ignore[arg-type]
    entry["repository"] = tool.repository()
    snapshots = tool.snapshots()
    dated = sorted((item for item in snapshots if item.get("time")), key=lambda item: str(item["time"]))
    entry["snapshot_count"] = len(snapshots)
    entry["latest"] = dated[-1] if dated else None
    subset = str(args.get("read_data_subset") or "")
    canary = str(args.get("canary_path") or "")
    record_path = os.path.join(str(args.get("record_dir") or "/var/lib/golive/restore-records"), f"{name}.json")
    if name == "restic" and not args.get("restore_test"):
        # restic reads the record's files with --no-lock, so they need not wait for the
        # check's exclusive lock. borg locks every read, and a restore test writes the
        # record: both stay in turn.
        parts = concurrently({"check": lambda: tool.check(subset), "record": lambda: verify_record(tool, record_path, snapshots)})
        entry["check"], entry["record"] = parts["check"], parts["record"]
        return entry
    entry["check"] = tool.check(subset)
    if args.get("restore_test"):
        if not dated:
            entry["restore_test"] = {"error": "no snapshot to restore from"}
        else:
            try:
                entry["restore_test"] = restore_test(tool, str(dated[-1]["id"]), canary, record_path)
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                entry["restore_test"] = {"snapshot": dated[-1]["id"], "error": error_text(exc)}
    entry["record"] = verify_record(tool, record_path, snapshots)
    return entry


def backups_facts(args: dict[str, object]) -> dict[str, object]:
    repositories = args.get("repositories") or {}
    result: dict[str, object] = {"repositories": {}, "restore_test_requested": bool(args.get("restore_test"))}

    def repository_facts(name: str, env_path: object) -> dict[str, object]:
        if name not in ("restic", "borg"):
            return {"env_file": env_path, "error": f"unknown backup tool {name!r} (restic or borg)"}
        try:
            return backup_repository_facts(name, str(env_path), args)
        except (RuntimeError, OSError, ValueError, subprocess.TimeoutExpired) as exc:
            return {"env_file": env_path, "configured": True, "error": error_text(exc)}

    # Each repository is its own tool and store: restic and borg are checked at once.
    calls = {name: (lambda name=name, env_path=env_path: repository_facts(name, env_path)) for name, env_path in dict(repositories).items()}  # type: ignore[call-overload]
    result["repositories"] = concurrently(calls)
    return result


# --- endpoints (Redis, PostgreSQL, LLM), measured from this host ----------------------------


def redis_ping(url: str, timeout: float) -> dict[str, object]:
    """AUTH (when the URL carries a password) then PING over RESP; only PONG is a pass."""
    import socket
    import ssl
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    result: dict[str, object] = {"host": host, "port": port, "tls": parts.scheme == "rediss", "login_sent": parts.password is not None}
    started = time.monotonic()

    def command(sock: socket.socket, reader: object, *words: str) -> str:
        payload = f"*{len(words)}\r\n" + "".join(f"${len(word.encode())}\r\n{word}\r\n" for word in words)
        sock.sendall(payload.encode())
        return reader.readline(4096).decode("utf-8", "replace").strip()  # type: ignore[attr-defined]

    try:
        raw = socket.create_connection((host, port), timeout=timeout)
        sock = ssl.create_default_context().wrap_socket(raw, server_hostname=host) if parts.scheme == "rediss" else raw
        with sock:
            reader = sock.makefile("rb")
            if parts.password is not None:
                words = ["AUTH", unquote(parts.username), unquote(parts.password)] if parts.username else ["AUTH", unquote(parts.password)]
                answer = command(sock, reader, *words)
                result["login_reply"] = answer[:200]
                if answer.startswith("-"):
                    result["reply"] = answer[:200]
                    return result
            result["reply"] = command(sock, reader, "PING")[:200]
    except (OSError, ValueError) as exc:
        result["error"] = error_text(exc)
    finally:
        result["seconds"] = round(time.monotonic() - started, 3)
    return result


def postgres_login(url: str, timeout: float) -> dict[str, object]:
    """A real login and SELECT 1 with psql; the password travels in PGPASSWORD, never argv."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    result: dict[str, object] = {
        "host": parts.hostname,
        "port": parts.port or 5432,
        "user": unquote(parts.username or ""),
        "database": parts.path.lstrip("/") or None,
    }
    psql = which("psql")
    if psql is None:
        result["error"] = "psql is not installed on this host (postgresql-client)"
        return result
    conninfo = " ".join(
        f"{key}={value}"
        for key, value in (
            ("host", parts.hostname),
            ("port", parts.port or 5432),
            ("user", unquote(parts.username or "")),
            ("dbname", parts.path.lstrip("/")),
            ("connect_timeout", max(1, int(timeout))),
        )
        if value
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
    started = time.monotonic()
    try:
        done = subprocess.run(
            [psql, "-X", "-A", "-t", "-w", "-c", "SELECT 1", conninfo],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout + 5,
            check=False,
            env=env,
        )
        result["rc"] = done.returncode
        result["answer"] = done.stdout.strip()[:100]
        if done.returncode != 0:
            result["reply"] = " ".join(done.stderr.split())[:300]
    except (OSError, subprocess.TimeoutExpired) as exc:
        result["error"] = error_text(exc)
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def endpoints_facts(args: dict[str, object]) -> dict[str, object]:
    path = str(args.get("env_file") or "/etc/lunia/endpoints.env")
    timeout = float(args.get("timeout") or 5.0)  # type: ignore[arg-type]
    try:
        env = plain_env_file(path)
    except FileNotFoundError:
        return {"env_file": path, "missing": True}

    def probed(variable: object, probe: object) -> dict[str, object]:
        url = env.get(str(variable))
        entry: dict[str, object] = {"variable": variable}
        entry.update(probe(url, timeout) if url else {"unset": True})  # type: ignore[operator]
        return entry

    def llm() -> dict[str, object]:
        base = env.get(str(args.get("llm_var")))
        entry: dict[str, object] = {"variable": args.get("llm_var")}
        if base:
            entry.update(http_probe(base.rstrip("/") + str(args.get("llm_path") or "/"), timeout, "golive-endpoint-probe/1"))
            entry["url"] = repository_name(str(entry["url"]))
        else:
            entry["unset"] = True
        return entry

    # Three servers, each probed with its own timeout: at once, so the slowest sets the time.
    endpoints = concurrently(
        {
            "redis": lambda: probed(args.get("redis_var"), redis_ping),
            "postgres": lambda: probed(args.get("postgres_var"), postgres_login),
            "llm": llm,
        }
    )
    return {"env_file": path, "endpoints": endpoints}


# --- clock synchronisation ------------------------------------------------------------

# `chronyc -c tracking`'s fields, in chronyc's order. Values stay text: the controller
# reads them as exact decimals, so no float ever decides an offset against its limit.
CHRONY_TRACKING_FIELDS = (
    "reference_id",
    "reference",
    "stratum",
    "ref_time",
    "system_time",
    "last_offset",
    "rms_offset",
    "frequency_ppm",
    "residual_freq_ppm",
    "skew_ppm",
    "root_delay",
    "root_dispersion",
    "update_interval",
    "leap_status",
)
# What chronyc prints when no chronyd answers: over UDP, and on a missing Unix socket.
CHRONYD_DOWN = ("506 Cannot talk to daemon", "Could not open connection to daemon")
MAX_TIME_TEXT = 300


def short_text(text: str) -> str:
    return " ".join(text.split())[:MAX_TIME_TEXT]


def parse_chrony_tracking(text: str) -> dict[str, str]:
    """One `chronyc -c tracking` line as named text fields; anything else is an error."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        raise ValueError(f"chronyc tracking printed {len(lines)} lines, expected one CSV line: {short_text(text)!r}")
    fields = lines[0].strip().split(",")
    if len(fields) != len(CHRONY_TRACKING_FIELDS):
        raise ValueError(f"chronyc tracking printed {len(fields)} fields, expected {len(CHRONY_TRACKING_FIELDS)}: {short_text(text)!r}")
    return {name: fields[index][:64] for index, name in enumerate(CHRONY_TRACKING_FIELDS)}


def chrony_facts(chronyc: str, timeout: float) -> dict[str, object]:
    # -n: the hosts may have no resolver, and a reverse lookup of the source would wait.
    facts: dict[str, object] = {"daemon": "chrony", "command": "chronyc -n -c tracking"}
    try:
        done = run([chronyc, "-n", "-c", "tracking"], timeout)
    except subprocess.TimeoutExpired:
        facts["unreadable"] = f"chronyc gave no answer within {timeout:g} s"
        return facts
    output = short_text(done.stdout + " " + done.stderr)
    if done.returncode != 0:
        if any(marker in output for marker in CHRONYD_DOWN):
            facts["not_running"] = output
        else:
            facts["unreadable"] = f"chronyc exited {done.returncode}: {output}"
        return facts
    try:
        facts["tracking"] = parse_chrony_tracking(done.stdout[:4096])
    except ValueError as exc:
        facts["unreadable"] = str(exc)
    return facts


def timedatectl_props(timedatectl: str, verb: str, timeout: float) -> dict[str, str]:
    done = run([timedatectl, verb], timeout)
    if done.returncode != 0:
        raise RuntimeError(f"timedatectl {verb} exited {done.returncode}: {short_text(done.stderr)}")
    props = {}
    for line in done.stdout.splitlines()[:200]:
        key, sep, value = line.partition("=")
        if sep:
            props[key] = value[:MAX_TIME_TEXT]
    return props


def timesyncd_facts(timedatectl: str, timeout: float) -> dict[str, object]:
    """systemd-timesyncd through timedated: whether NTP is on and the clock synchronised,
    and the server it uses. timesyncd exposes no offset as a number."""
    facts: dict[str, object] = {"daemon": "timesyncd", "command": "timedatectl show; timedatectl show-timesync"}
    try:
        show = timedatectl_props(timedatectl, "show", timeout)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
        facts["unreadable"] = error_text(exc)
        return facts
    facts["timedated"] = {key: show.get(key, "") for key in ("NTP", "NTPSynchronized", "CanNTP")}
    if show.get("NTP") != "yes":
        facts["daemon"] = None
        return facts
    try:
        timesync = timedatectl_props(timedatectl, "show-timesync", timeout)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
        facts["unreadable"] = error_text(exc)
        return facts
    facts["timesync"] = {key: timesync.get(key, "") for key in ("ServerName", "ServerAddress", "SystemNTPServers", "LinkNTPServers")}
    return facts


def time_sync_facts(args: dict[str, object]) -> dict[str, object]:
    """chrony when chronyc is installed (one `chronyc -c tracking`), else systemd-timesyncd
    through timedatectl; `{"daemon": None}` when neither synchronises the clock."""
    timeout = float(args.get("timeout") or 5)  # type: ignore[arg-type]
    chronyc = which("chronyc")
    if chronyc:
        return chrony_facts(chronyc, timeout)
    timedatectl = which("timedatectl")
    return timesyncd_facts(timedatectl, timeout) if timedatectl else {"daemon": None}


# --- deployed version ---------------------------------------------------------------------


def version_facts(args: dict[str, object]) -> dict[str, object]:
    path = str(args.get("file") or "/etc/lunia/VERSION")
    try:
        lines = read_text(path, 4096).strip().splitlines()
    except (OSError, ValueError) as exc:
        facts: dict[str, object] = {"file": path, "error": error_text(exc)}
    else:
        facts = {"file": path, "version": lines[0].strip()} if lines else {"file": path, "error": path + " is empty"}
    image_file = str(args.get("image_file") or "")
    if image_file:
        # The image reference the host deployed from (name@sha256:...), as deploy tools record it.
        facts["image_file"] = image_file
        try:
            image_lines = read_text(image_file, 4096).strip().splitlines()
        except (OSError, ValueError) as exc:
            facts["image_error"] = error_text(exc)
        else:
            if image_lines:
                facts["image"] = image_lines[0].strip()
            else:
                facts["image_error"] = image_file + " is empty"
    return facts


# Fact groups by name (a literal: the controller parses it); the checks request them by these names.
GROUPS = {
    "units": units_facts,
    "falco": falco_facts,
    "swap": swap_facts,
    "flags": flags_facts,
    "version": version_facts,
    "modsecurity": modsecurity_facts,
    "crowdsec": crowdsec_facts,
    "backups": backups_facts,
    "endpoints": endpoints_facts,
    "time_sync": time_sync_facts,
}


# The units each group reads with `systemctl show`, so one call serves the whole visit.
GROUP_UNITS = {
    "units": lambda args: [str(unit) for unit in args.get("units") or []],
    "falco": lambda args: [str(unit) for unit in args.get("units") or []],
    "flags": lambda args: [str(unit) for unit in args.get("units") or []],
    "modsecurity": lambda args: ["apache2", "nginx"],
    "crowdsec": lambda args: crowdsec_units(args),
}
# Groups that wait on other programs or the network (seconds, not milliseconds): each
# runs in a thread of its own while the others run in turn.
SLOW_GROUPS = ("modsecurity", "crowdsec", "backups", "endpoints")


def prefetch_units(requests: dict[str, dict[str, object]]) -> None:
    """Fill the `systemctl show` cache for every group's units in one call. A failure here
    is left to the groups: each then asks again and reports its own error."""
    try:
        units = [unit for name, args in requests.items() if name in GROUP_UNITS for unit in GROUP_UNITS[name](args or {})]
        if units:
            systemctl_show(units)
    except Exception:  # best effort only: the group that needs the units reports the error
        pass


def gather_group(name: str, args: dict[str, object]) -> dict[str, object]:
    function = GROUPS.get(name)
    if function is None:
        return {"error": f"this collector has no fact group {name!r} (known: {', '.join(sorted(GROUPS))})"}
    started = time.monotonic()
    try:
        facts = function(args or {})
    except Exception as exc:  # one fact group failing must not cost the others
        facts = {"error": error_text(exc)}
    facts["seconds"] = round(time.monotonic() - started, 3)
    return facts


def gather(requests: dict[str, dict[str, object]]) -> dict[str, object]:
    prefetch_units(requests)
    slow = {name: (lambda name=name, args=args: gather_group(name, args)) for name, args in requests.items() if name in SLOW_GROUPS}
    wait = start_threads(slow)  # type: ignore[arg-type]
    done = {name: gather_group(name, args) for name, args in requests.items() if name not in SLOW_GROUPS}
    done.update(wait())  # type: ignore[operator]
    # Facts in the order they were asked for, whatever order the threads finished in.
    facts = {name: done[name] for name in requests}
    return scrub_tree(facts)  # type: ignore[return-value]


def main() -> int:
    try:
        groups = json.loads(JSON_ARGS)["groups"]
        if not isinstance(groups, dict):
            raise TypeError(f"groups must be a mapping, not {type(groups).__name__}")
    except (ValueError, KeyError, TypeError) as exc:
        print(json.dumps({"failed": True, "msg": f"golive_collect: bad arguments: {error_text(exc)}"}))
        return 1
    started = time.monotonic()
    facts = gather(groups)
    print(
        json.dumps({"changed": False, "golive": facts, "python": sys.version.split()[0], "seconds": round(time.monotonic() - started, 3)})
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
