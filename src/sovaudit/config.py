"""The repository's own sovaudit settings: every ``scan`` option, found in the scanned tree.

A scanned repository states its settings in the first of these files found at its root:
``sovaudit.toml`` (top-level keys, or a ``[tool.sovaudit]`` table), ``.sovaudit.yaml`` or
``.sovaudit.yml`` (top-level keys), ``pyproject.toml`` (``[tool.sovaudit]``)::

    home = "EU"                      # ISO 3166-1 alpha-2, or EU (which holds its member states)
    scope = ["code", "config"]       # code | config | docs | tests
    policy = ["eu-data-only"]        # shipped names or files (relative to the repository)
    fail-on = "high"
    exclude = ["vendor/", "*.ipynb"]
    offline = true

Every ``scan`` option is a key: its long name (``fail-on``; ``fail_on`` too), a list for a
repeatable option. Paths are relative to the repository's root; a path the audit writes to
(``output``, ``output-dir``, ``timings``, ``cache-dir``) must stay inside it, so a scanned
repository cannot make the audit write elsewhere. The command line wins over ``SOVAUDIT_*``
environment variables, which win over the file. A file that says something else is a
configuration error naming the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sovaudit.model import DEFAULT_SCOPE, Scope

CONFIG_FILES = ("sovaudit.toml", ".sovaudit.yaml", ".sovaudit.yml", "pyproject.toml")
SCOPES = tuple(s.value for s in Scope)


class ConfigError(Exception):
    """A setting that cannot be used (a usage error): the message names file and key."""


@dataclass(frozen=True, slots=True)
class RepoConfig:
    home: str = ""
    scope: tuple[str, ...] = ()  # () when the file does not say
    source: str = ""  # the file the settings came from ("" when none)


def parse_home(value: str, where: str = "--home") -> str:
    """A home jurisdiction: an ISO 3166-1 alpha-2 code or EU, upper-cased."""
    import pycountry

    code = str(value).strip().upper()
    if code == "EU" or (len(code) == 2 and code.isalpha() and pycountry.countries.get(alpha_2=code) is not None):
        return code
    raise ConfigError(f"{where}: {value!r} is not a jurisdiction (an ISO 3166-1 alpha-2 code such as DE, or EU)")


def parse_scope(value: Any, where: str = "--scope") -> tuple[str, ...]:
    """A scope list from 'code,config' or a list; every value one of code, config, docs, tests."""
    items = [x.strip().lower() for x in (value.split(",") if isinstance(value, str) else value)] if value else []
    items = [x for x in items if x]
    bad = [x for x in items if x not in SCOPES]
    if bad or not items:
        raise ConfigError(f"{where}: {', '.join(map(repr, bad)) or 'nothing'} is not a scope "
                          f"(give one or more of {', '.join(SCOPES)}, comma-separated)")
    return tuple(dict.fromkeys(items))


def _read(path: Path) -> dict[str, Any] | None:
    from sovaudit.sanitize import safe

    text = path.read_text("utf-8")
    if path.suffix == ".toml":
        try:
            import tomllib  # Python 3.11+
        except ModuleNotFoundError:  # pragma: no cover - Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path.name}: not TOML ({safe(exc)})") from None
        table = data.get("tool", {}).get("sovaudit") if isinstance(data.get("tool"), dict) else None
        if path.name == "pyproject.toml":
            return table if isinstance(table, dict) else None
        return table if isinstance(table, dict) else data
    import yaml

    from sovaudit.sanitize import safe, yaml_load

    try:  # the scanned tree's file: bounded (alias and merge-key bombs), and its errors redacted
        data = yaml_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path.name}: not YAML ({safe(getattr(exc, 'problem', None) or exc)})") from None
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"{path.name}: not read ({safe(exc)})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: expected a mapping of settings (home, scope, fail-on, policy ...)")
    return data


#: ``scan`` options a config file may set (long names), and how a value is read: bool, int,
#: float, str, list (of str), path (read, relative to the root), paths, out (written: inside the
#: root), policies (shipped names stay names). ``home`` and ``scope`` are read by ``repo_config``.
FILE_OPTIONS: dict[str, str] = {
    "format": "str", "output": "out", "output-dir": "out", "exclude": "list", "no-gitignore": "bool",
    "max-file-size": "str", "jobs": "int", "cache-dir": "out", "no-cache": "bool", "rules": "paths",
    "offline": "bool", "refresh": "bool", "hub-timeout": "float", "quiet": "bool", "policy": "policies",
    "policy-replace": "bool", "fail-on": "str", "baseline": "path", "timings": "out", "severity": "str",
    "ignore-file": "path", "verbose": "bool", "color": "bool", "deadline": "float",
}


def _key(k: Any) -> str:
    return str(k).strip().lower().replace("_", "-")


def _value(kind: str, value: Any, where: str, base: Path) -> Any:
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: {value!r} is not true or false")
        return value
    if kind in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind == "int" and not isinstance(value, int)):
            raise ConfigError(f"{where}: {value!r} is not a number")
        return value
    items = [value] if isinstance(value, (str, int, float)) and not isinstance(value, bool) else value
    if not isinstance(items, list) or not all(isinstance(x, (str, int, float)) and not isinstance(x, bool) for x in items):
        raise ConfigError(f"{where}: {value!r} is not a string or a list of strings")
    names: list[str] = [str(x) for x in items]
    items = names
    if kind == "str":
        return ",".join(items)
    if kind == "list":
        return tuple(items)
    if kind == "policies":
        from sovaudit.assess.policy import SHIPPED_POLICIES

        return tuple(x if (x in SHIPPED_POLICIES or x.removesuffix(".yaml") in SHIPPED_POLICIES)
                     and not (base / x).exists() else str(base / x) for x in items)
    if kind == "paths":
        return tuple(str(base / x) for x in items)
    if len(items) != 1:
        raise ConfigError(f"{where}: one path, not a list")
    path = base / items[0]
    if kind == "out":
        try:
            path.resolve().relative_to(base.resolve())
        except ValueError:
            raise ConfigError(f"{where}: {items[0]!r} is outside the repository (a path it writes must stay "
                              "inside; give it on the command line instead)") from None
    return str(path)


def file_options(root: str | Path) -> tuple[dict[str, Any], str]:
    """(the ``scan`` options the repository's config file sets, by long name, values ready for the
    command line's own conversion; the file's name). ``home`` and ``scope`` are left to
    ``repo_config``. Raises ``ConfigError`` naming file and key."""
    base = Path(root)
    found = _find(base)
    if found is None:
        return {}, ""
    name, data = found
    _check_keys(name, data)
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = _key(k)
        if key not in ("home", "scope"):
            out[key] = _value(FILE_OPTIONS[key], v, f"{name}: {k}", base)
    return out, name


def _check_keys(name: str, data: dict[str, Any]) -> None:
    from sovaudit.sanitize import safe

    unknown = sorted(str(k) for k in data if _key(k) not in FILE_OPTIONS and _key(k) not in ("home", "scope"))
    if unknown:  # the scanned tree's own words: sanitised before they reach a terminal
        raise ConfigError(f"{name}: unknown key(s) {safe(', '.join(unknown))} (allowed: home, scope, "
                          f"{', '.join(sorted(FILE_OPTIONS))})")


def _find(base: Path) -> tuple[str, dict[str, Any]] | None:
    if not base.is_dir():
        return None
    for name in CONFIG_FILES:
        path = base / name
        if not path.is_file():
            continue
        try:
            data = _read(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{name}: cannot read it ({exc})") from None
        if data is None:
            continue
        return name, data
    return None


def repo_config(root: str | Path) -> RepoConfig:
    """The ``home`` and ``scope`` the scanned tree states (none when it is a file or holds no config
    file); every other key must be a ``scan`` option (``file_options`` reads them)."""
    found = _find(Path(root))
    if found is None:
        return RepoConfig()
    name, data = found
    _check_keys(name, data)
    home = parse_home(data["home"], f"{name}: home") if data.get("home") else ""
    scope = parse_scope(data["scope"], f"{name}: scope") if "scope" in data else ()
    return RepoConfig(home, scope, name)


__all__ = ["RepoConfig", "ConfigError", "repo_config", "file_options", "parse_home", "parse_scope", "CONFIG_FILES",
           "DEFAULT_SCOPE", "FILE_OPTIONS"]
