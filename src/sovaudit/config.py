"""The repository's own sovaudit settings: a ``home`` jurisdiction and a ``scope``.

A scanned repository may say whose sovereignty it is audited for, in the first of these files found
at its root: ``sovaudit.toml`` (top-level keys, or a ``[tool.sovaudit]`` table), ``.sovaudit.yaml``
or ``.sovaudit.yml`` (top-level keys), ``pyproject.toml`` (``[tool.sovaudit]``)::

    home = "EU"                 # ISO 3166-1 alpha-2, or EU (which holds its member states)
    scope = ["code", "config"]  # code | config | docs | tests

``--home`` and ``--scope`` on the command line win over the file. A file that says something else
is a configuration error naming the file and the key.
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
        raise ConfigError(f"{path.name}: expected a mapping with 'home' and/or 'scope'")
    return data


def repo_config(root: str | Path) -> RepoConfig:
    """The settings the scanned tree states (none when it is a file or holds no config file)."""
    base = Path(root)
    if not base.is_dir():
        return RepoConfig()
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
        unknown = sorted(set(map(str, data)) - {"home", "scope"})
        if unknown:
            from sovaudit.sanitize import safe

            raise ConfigError(f"{name}: unknown key(s) {safe(', '.join(unknown))} (allowed: home, scope)")
        home = parse_home(data["home"], f"{name}: home") if data.get("home") else ""
        scope = parse_scope(data["scope"], f"{name}: scope") if "scope" in data else ()
        return RepoConfig(home, scope, name)
    return RepoConfig()


__all__ = ["RepoConfig", "ConfigError", "repo_config", "parse_home", "parse_scope", "CONFIG_FILES", "DEFAULT_SCOPE"]
