"""What looks secret, and masking it: the one definition every golive output goes through.

Masked with MASK, wherever they appear (result.json and every report, the terminal,
evidence files and so the archive, error messages):

- URL userinfo passwords of any scheme, also inside longer text or a command line:
  `redis://app:pw@cache` -> `redis://app:[redacted]@cache` (the password runs to the last `@`
  before a slash or a space, so a raw `@`, `:`, `?` or `#` in it is masked too; a raw `/`
  cannot be told from a path and ends it). A user without a password
  stays visible (`postgresql://kpi@db`, `ssh://git@host`: a role or login name), except
  for http(s)/ws(s), where a lone userinfo is how tokens travel (`https://TOKEN@host`).
- `NAME=value` with a secret-looking NAME: query parameters (`?access_token=...`,
  `&X-Amz-Signature=...`), environment assignments (`API_TOKEN=... cmd`), and
  `--flag=value`; quoted JSON or Python keys (`"password": "..."`) and header or YAML
  lines (`Authorization: Bearer ...`, `password: ...`).
- `--flag value` in command lines (`mask_argv` for argument lists, `mask_text` for a
  command line as text), and `-u`/`--user user:password` (the part after the colon).
  Other single-letter flags are left alone: `-p` is a port to psql, ssh and redis-cli and
  a password only to a few tools, so pass secrets through the environment instead.
- Private key blocks (`-----BEGIN ... PRIVATE KEY-----`) and tokens whose shape gives
  them away (JWTs, GitHub and Slack tokens, AWS access key ids).
- In data (`mask_value`): the value under a secret-looking key (strings and numbers; None,
  booleans and empty strings stay, they say "not set"), and every string by `mask_text`.

A name looks secret when one of its words (split at `_`, `-`, `.` and camelCase) is or
ends with PASSWORD, PASSWD, PASSPHRASE, SECRET, TOKEN, CREDENTIAL(S) or AUTHORIZATION, or
its last word is or ends with KEY, PASS, PWD, PRIVATE, AUTH, COOKIE or SESSIONID
(`api_key`, `APIKEY`, `db_pass`, `basic_auth`, `session_id`; not `key_id`, `auth_server`),
unless its last word says it names or bounds the secret rather than holding it
(`token_env`, `password_file`, `key_path`, `secret_name`), it starts with a bound
(`max_tokens`), or it is about a public key. A bare `key` or `pass` is not
secret as a data key or flag (finding keys, `cosign --key cosign.pub`), but is as a query
or assignment name (`?key=...`), where it conventionally holds an API key.
"""

from __future__ import annotations

import functools
import re
from typing import Any, TypeVar, cast

MASK = "[redacted]"
# Values golive.yml took from secret-looking environment variables (golive.interpolate):
# masked verbatim wherever they appear, whatever surrounds them. Shorter ones are refused
# there, since masking them would mask ordinary text.
MIN_REMEMBERED_SECRET = 4
# Longest first, so a secret containing another is masked whole; kept ordered as they are
# remembered, since mask_text runs over every string golive outputs.
_REMEMBERED: tuple[str, ...] = ()
Data = TypeVar("Data")

# A word is secret when it is one of these or ends with one (ACCESSTOKEN, DBPASSWORD), anywhere in the name.
_STRONG_WORDS = ("PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL", "AUTHORIZATION")
# These only as the last word (APIKEY, DB_PASS, BASIC_AUTH): before another word they
# usually name something else (key_id, auth_server, a host called auth-1).
_WEAK_WORDS = ("KEY", "PASS", "PWD", "PRIVATE", "AUTH", "COOKIE", "SESSIONID", "SESSID")
# Last words that are secret in query strings and assignments only (`?sig=`, `X-Amz-Signature=`).
_PARAMETER_WORDS = ("SIGNATURE", "SIG")
# A bare `key` or `pass` names a finding, a dict entry or a key file; as a query name it is an API key.
_AMBIGUOUS_ALONE = frozenset({"KEY", "KEYS", "PASS"})
# A last word that makes the name point at a secret (where it lives, what it is called) or measure it.
_REFERENCE_WORDS = frozenset(
    {
        "FILE",
        "FILES",
        "PATH",
        "PATHS",
        "DIR",
        "ENV",
        "VAR",
        "VARIABLE",
        "NAME",
        "NAMES",
        "TYPE",
        "MODE",
        "METHOD",
        "KIND",
        "URL",
        "URI",
        "ENDPOINT",
        "LENGTH",
        "LEN",
        "SIZE",
        "COUNT",
        "TIMEOUT",
        "TTL",
        "CHECKING",
    }
)
_BOUND_WORDS = frozenset({"MAX", "MIN", "NUM", "TOTAL"})
_PUBLIC_WORDS = frozenset({"PUBLIC", "PUBKEY"})

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")

# Characters that end an authority in text: whitespace, the URL delimiters, quotes and brackets of markup.
_AUTHORITY_END = r"\s/?#\"<>\\`"
# A password may hold a raw ? or # (invalid, but it is still a password): only a slash
# or the end of the word ends it before its @.
_PASSWORD_END = r"\s/\"<>\\`"
_URL_PASSWORD = re.compile(
    rf"(?P<head>[A-Za-z][A-Za-z0-9+.\-]{{0,30}}://[^{_AUTHORITY_END}:@\[]*:)(?P<secret>[^{_PASSWORD_END}]+)(?=@)",
)
_URL_LONE_USER = re.compile(
    rf"(?P<head>(?:[A-Za-z][A-Za-z0-9.\-]{{0,30}}\+)?(?:https?|wss?)://)(?P<secret>[^{_AUTHORITY_END}:@]+)(?=@)",
    re.IGNORECASE,
)
_VALUE = r"\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^\s&\"'<>]+"
# NAME=value, ?name=value, --flag=value; the name may not start inside a longer word or path.
_ASSIGNMENT = re.compile(rf"(?<![\w.\-/])(?P<name>-{{0,2}}[A-Za-z_][\w.\-]{{0,63}})(?P<sep>=)(?P<value>{_VALUE})")
# "password": "x" and 'token': 'x' (JSON, Python reprs inside messages and command output).
_QUOTED_KEY = re.compile(
    r"(?P<quote>[\"'])(?P<name>[A-Za-z_][\w.\-]{0,63})(?P=quote)(?P<sep>\s*:\s*)(?P<value>\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^\s,}\]]+)"
)
# Header and YAML lines: `Authorization: Bearer x`, `password: x` (a name with a dot or
# slash is a file, as in `secrets.yml:12:`, so it is not matched).
_COLON_LINE = re.compile(
    r"(?:^|(?<=[\s{,\"']))(?P<name>[A-Za-z_][\w\-]{0,63})(?P<sep>:[ \t]+)"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"|'[^']*'|(?:(?:Bearer|Basic|Token|Digest|Negotiate|ApiKey)[ \t]+)?[^\s\"',}]+)",
    re.MULTILINE | re.IGNORECASE,
)
# --flag value in a command line held as text.
_FLAG_VALUE = re.compile(r"(?<![\w.\-/])(?P<name>--[A-Za-z][\w.\-]{0,63})(?P<sep>[ \t]+)(?P<value>\"[^\"]*\"|'[^']*'|[^\s\-\"'][^\s]*)")
_USER_FLAG = re.compile(r"(?<![\w.\-/])(?P<head>(?:-u|--user|--proxy-user)[ \t]*=?[ \t]*[\"']?[^\s:\"']+:)(?P<secret>[^\s\"']+)")
_USER_OPTIONS = frozenset({"-u", "--user", "--proxy-user"})
_PRIVATE_KEY_BLOCK = re.compile(r"-----BEGIN (?P<kind>[A-Z0-9 ]*PRIVATE KEY)-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.DOTALL)
_TOKEN_SHAPES = re.compile(
    r"\beyJ[\w\-]{8,}\.eyJ[\w\-]{8,}\.[\w\-]{8,}"  # a JWT: header.payload.signature
    r"|\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,})"
    r"|\bxox[abprs]-[\w\-]{10,}"
    r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"
)
_TOKEN_HINT = re.compile(r"eyJ|gh[pousr]_|github_pat_|xox|AKIA|ASIA")


def _words(name: str) -> list[str]:
    return [word.upper() for word in _WORD.findall(name)]


def _ends_with(word: str, candidates: tuple[str, ...]) -> bool:
    singular = word[:-1] if len(word) > 3 and word.endswith("S") else word
    return any(word.endswith(secret) or singular.endswith(secret) for secret in candidates)


def _secret_words(words: list[str], extra: tuple[str, ...] = ()) -> bool:
    if not words or words[-1] in _REFERENCE_WORDS or words[0] in _BOUND_WORDS or _PUBLIC_WORDS & set(words):
        return False
    if any(_ends_with(word, _STRONG_WORDS) for word in words):
        return True
    # The words joined catch a last word split in two (session_id -> SESSIONID).
    return any(_ends_with(last, (*_WEAK_WORDS, *extra)) for last in (words[-1], "".join(words)))


@functools.lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """Whether a key, flag or variable called `name` holds a secret (`DB_PASSWORD`, `apiKey`, `--token`)."""
    words = _words(name)
    if len(words) == 1 and words[0] in _AMBIGUOUS_ALONE:
        return False
    return _secret_words(words)


@functools.lru_cache(maxsize=4096)
def is_secret_parameter(name: str) -> bool:
    """Whether a query parameter or `NAME=value` assignment holds a secret: as `is_secret_name`,
    and also `key`, `pass`, `sig` and signatures (`X-Amz-Signature`)."""
    words = _words(name)
    if len(words) == 1 and words[0] in _AMBIGUOUS_ALONE:
        return True
    return _secret_words(words, _PARAMETER_WORDS)


def _flag_name(flag: str) -> str | None:
    """The name of a long option (`--api-key` -> `api-key`), None for what is no option or a negation."""
    if not flag.startswith("--") or len(flag) < 3:
        return None
    name = flag[2:]
    return None if name.lower().startswith("no-") else name


def _quoted_mask(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return f"{value[0]}{MASK}{value[0]}"
    return MASK


def _assignment(found: re.Match[str]) -> str:
    name = found["name"]
    bare = name.lstrip("-")
    # An option (--token=S, -Dpassword=S) is judged as a name, anything else as a parameter.
    option = name != bare
    if not (is_secret_name(bare) and not bare.lower().startswith("no-") if option else is_secret_parameter(bare)):
        return found[0]
    return f"{name}{found['sep']}{_quoted_mask(found['value'])}"


def _named(found: re.Match[str]) -> str:
    if not is_secret_name(found["name"]):
        return found[0]
    value = found["value"]
    scheme, _, credential = value.partition(" ")
    if credential.strip() and scheme.lower() in ("bearer", "basic", "token", "digest", "negotiate", "apikey"):
        return f"{found[0][: found.start('value') - found.start()]}{scheme} {MASK}"
    return f"{found[0][: found.start('value') - found.start()]}{_quoted_mask(value)}"


def _quoted_key(found: re.Match[str]) -> str:
    if not is_secret_name(found["name"]) or found["value"] in ('""', "''", "null", "None", "true", "false", "True", "False"):
        return found[0]
    return f"{found['quote']}{found['name']}{found['quote']}{found['sep']}{_quoted_mask(found['value'])}"


def _flag_value(found: re.Match[str]) -> str:
    name = _flag_name(found["name"])
    if name is None or not is_secret_name(name):
        return found[0]
    return f"{found['name']}{found['sep']}{_quoted_mask(found['value'])}"


def _keep_head(found: re.Match[str]) -> str:
    return f"{found['head']}{MASK}"


def remember_secret(value: str) -> None:
    """Mask `value` verbatim in everything golive outputs from now on in this process."""
    global _REMEMBERED
    if len(value) >= MIN_REMEMBERED_SECRET and value not in _REMEMBERED:
        _REMEMBERED = tuple(sorted((*_REMEMBERED, value), key=len, reverse=True))


def forget_remembered_secrets() -> None:
    global _REMEMBERED
    _REMEMBERED = ()


def mask_text(text: str) -> str:
    """`text` with every secret it visibly holds replaced by MASK (see the module's list)."""
    # Each form is looked for only where its marker occurs: evidence holds many thousand
    # strings (test names, log lines), and a substring test is far cheaper than a regex.
    if not text:
        return text
    for secret in _REMEMBERED:
        if secret in text:
            text = text.replace(secret, MASK)
    if "PRIVATE KEY" in text:
        text = _PRIVATE_KEY_BLOCK.sub(lambda found: f"-----BEGIN {found['kind']}----- {MASK}", text)
    if "://" in text and "@" in text:
        text = _URL_PASSWORD.sub(_keep_head, text)
        text = _URL_LONE_USER.sub(_keep_head, text)
    if "-u" in text and ":" in text:
        text = _USER_FLAG.sub(_keep_head, text)
    if "=" in text:
        text = _ASSIGNMENT.sub(_assignment, text)
    if ":" in text:
        if "'" in text or '"' in text:
            text = _QUOTED_KEY.sub(_quoted_key, text)
        if ": " in text or ":\t" in text:
            text = _COLON_LINE.sub(_named, text)
    if "--" in text:
        text = _FLAG_VALUE.sub(_flag_value, text)
    if _TOKEN_HINT.search(text):
        text = _TOKEN_SHAPES.sub(MASK, text)
    return text


def mask_argv(argv: list[str]) -> list[str]:
    """A command's arguments as they may be recorded: every argument through `mask_text`, the
    argument after a secret-looking option (`--token S`) masked, and the password half of the
    one after `-u`/`--user` (`user:S`)."""
    masked: list[str] = []
    previous = ""
    for argument in argv:
        name = _flag_name(previous)
        if name is not None and "=" not in name and is_secret_name(name) and not argument.startswith("--"):
            masked.append(MASK)
        elif previous in _USER_OPTIONS and ":" in argument:
            masked.append(f"{argument.partition(':')[0]}:{MASK}")
        else:
            masked.append(mask_text(argument))
        previous = argument
    return masked


def quoted_value(name: str, value: Any) -> str:
    """How an error message quotes the value of setting `name`: withheld when the name looks
    secret, else its repr with secrets masked."""
    return MASK if is_secret_name(name) else repr(mask_value(value))


def _mask_all(data: Any) -> Any:
    """The value under a secret-looking key: masked but None, booleans and "" ("not set").

    A mapping is masked by its own keys instead: under a key named like a secret it is
    more often data keyed by a name (a host called token-1) than a secret's parts.
    """
    if isinstance(data, dict):
        return _masked(data)
    if isinstance(data, list | tuple):
        return [_mask_all(value) for value in data]
    if isinstance(data, bool) or data is None or data == "":
        return data
    return MASK


def mask_value(data: Data) -> Data:
    """`data` (JSON-like) with values under secret-looking keys masked and every string,
    key and list of strings through `mask_text` / `mask_argv`. The input is not changed."""
    return cast(Data, _masked(data))


def _masked(data: Any) -> Any:
    if isinstance(data, dict):
        return {
            (mask_text(key) if isinstance(key, str) else key): (
                _mask_all(value) if isinstance(key, str) and is_secret_name(key) else _masked(value)
            )
            for key, value in data.items()
        }
    if isinstance(data, list | tuple):
        # A list of strings may be a command line: `--token S` spans two of them.
        masked = mask_argv(list(data)) if data and all(isinstance(value, str) for value in data) else [_masked(value) for value in data]
        return tuple(masked) if isinstance(data, tuple) else masked
    if isinstance(data, str):
        return mask_text(data)
    return data
