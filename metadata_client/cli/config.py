"""Where ``mymdc`` finds its settings.

Each setting comes from the first of: a command-line flag, the environment
(``MYMDC_*``), the config file (``$XDG_CONFIG_HOME/mymdc/config.toml``, top-level
keys overlaid by the chosen ``[profiles.NAME]``), the built-in default. Within
one of these layers ``url`` stands for ``<url>/oauth/token`` and ``<url>/api/``
unless that same layer names ``token_url`` or ``api_url`` itself, so pointing a
flag or variable at another myMdC never mixes its URLs with the file's.

The client secret is never shown: :meth:`Settings.rows` masks it.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:  # pragma: no cover
    from ..client import MetadataClient

log = logging.getLogger("metadata_client.cli")

#: Setting name -> environment variable.
ENV = {
    "url": "MYMDC_URL",
    "token_url": "MYMDC_TOKEN_URL",
    "api_url": "MYMDC_API_URL",
    "client_id": "MYMDC_CLIENT_ID",
    "client_secret": "MYMDC_CLIENT_SECRET",
    "user_email": "MYMDC_USER_EMAIL",
    "ssl_verify": "MYMDC_SSL_VERIFY",
    "timeout": "MYMDC_TIMEOUT",
}
KEYS = tuple(ENV)
SECRET = "client_secret"
DEFAULTS: dict[str, Any] = {"url": "https://in.xfel.eu/metadata", "ssl_verify": True, "timeout": 12.0}
DERIVED = {"token_url": "/oauth/token", "api_url": "/api/"}
MASK = "********"
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


class ConfigError(ValueError):
    """The settings are missing, malformed or contradictory (exit code 2)."""


@dataclass(frozen=True)
class Setting:
    """One effective value and where it came from."""

    value: Any
    source: str


Layer = dict[str, Setting]


def _ssl_verify(value: Any) -> bool | str:
    if isinstance(value, bool):
        return value
    if not isinstance(value, str) or not value:
        raise ValueError("must be true, false or the path of a CA bundle")
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    return os.path.expanduser(value)


def _timeout(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0.0
    if isinstance(value, bool) or not number > 0:
        raise ValueError(f"must be a positive number of seconds, not {value!r}")
    return number


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {type(value).__name__}")
    return value


_CHECKS = {"ssl_verify": _ssl_verify, "timeout": _timeout}


def layer(values: Mapping[str, Any], source: str, names: Mapping[str, str] | None = None) -> Layer:
    """Check ``values`` (setting -> raw value; None or '' means unset) as one layer.

    ``names`` gives the word shown for each setting in errors and ``config
    show`` (a flag or variable name); ``url`` fills in the derived URLs.
    Raises ConfigError for a malformed value.
    """
    out: Layer = {}
    for key, raw in values.items():
        if raw is None or raw == "":
            continue
        where = f"{source} {names[key]}" if names else source
        try:
            out[key] = Setting(_CHECKS.get(key, _string)(raw), where)
        except ValueError as exc:
            raise ConfigError(f"{where}{'' if names else ': ' + key} {exc}") from None
    if "url" in out:
        base = out["url"].value.rstrip("/")
        out["url"] = Setting(base, out["url"].source)
        for key, suffix in DERIVED.items():
            out.setdefault(key, Setting(base + suffix, f"{out['url'].source} (derived)"))
    return out


def env_layer(environ: Mapping[str, str]) -> Layer:
    """The settings given by ``MYMDC_*`` environment variables."""
    return layer({key: environ.get(name) for key, name in ENV.items()}, "env", ENV)


def config_path(explicit: str | None, environ: Mapping[str, str]) -> Path:
    """The config file: ``--config``, ``$MYMDC_CONFIG`` or ``$XDG_CONFIG_HOME/mymdc/config.toml``."""
    chosen = explicit or environ.get("MYMDC_CONFIG")
    if chosen:
        return Path(chosen).expanduser()
    xdg = environ.get("XDG_CONFIG_HOME", "")
    base = Path(xdg) if os.path.isabs(xdg) else Path(environ.get("HOME") or Path.home()) / ".config"
    return base / "mymdc" / "config.toml"


def _toml_loads(text: str) -> dict[str, Any]:
    try:
        import tomllib  # Python 3.11+
    except ImportError:  # pragma: no cover - depends on the Python version
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ImportError:
            raise ConfigError("reading a config file needs Python 3.11+ or the 'tomli' package "
                              "(pip install tomli); or use MYMDC_* variables and flags") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}") from None


def _warn_if_shared(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & 0o077:
        log.warning("%s is readable or writable by others (mode %s); it may hold a secret: "
                    "run chmod 600 %s", path, oct(stat.S_IMODE(mode))[2:].zfill(3), path)


def file_layer(path: Path, profile: str | None, explicit: bool) -> Layer:
    """The settings of the config file at ``path`` for ``profile``.

    Without a profile the ``default`` profile is used if there is one. A
    missing file is an empty layer unless it was named (``explicit``) or a
    profile was asked for. Raises ConfigError.
    """
    if not path.is_file():
        if explicit or profile:
            wanted = f" (profile {profile!r} asked for)" if profile and not explicit else ""
            raise ConfigError(f"no config file at {path}{wanted}")
        return {}
    _warn_if_shared(path)
    try:
        data = _toml_loads(path.read_text(encoding="utf-8"))
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    profiles = data.pop("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"{path}: 'profiles' must be a table of [profiles.NAME] tables")
    values = _known(data, str(path))
    source = f"config {path}"
    name = profile or ("default" if "default" in profiles else None)
    if name is not None:
        if not isinstance(profiles.get(name), dict):
            known = ", ".join(sorted(profiles)) or "none"
            raise ConfigError(f"{path}: no profile {name!r} (profiles: {known})")
        values.update(_known(profiles[name], f"{path} [profiles.{name}]"))
        source += f" [profiles.{name}]"
    return layer(values, source)


def _known(table: dict[str, Any], where: str) -> dict[str, Any]:
    for key in sorted(set(table) - set(KEYS)):
        log.warning("%s: unknown key %r ignored (known: %s)", where, key, ", ".join(KEYS))
    return {k: v for k, v in table.items() if k in KEYS}


def merge(*layers: Layer) -> dict[str, Setting]:
    """Combine layers, the first one winning for each setting."""
    out: dict[str, Setting] = {}
    for one in reversed(layers):
        out.update(one)
    return out


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else f"{value:g}" if isinstance(value, float) else str(value)


class Settings:
    """The effective settings of one ``mymdc`` run."""

    def __init__(self, values: dict[str, Setting], config_file: Path | None = None) -> None:
        self.values = values
        self.config_file = config_file

    def __getitem__(self, key: str) -> Any:
        setting = self.values.get(key)
        return setting.value if setting else None

    def __repr__(self) -> str:  # the secret stays out of tracebacks and logs
        return f"Settings({', '.join(k for k in self.values if k != SECRET)}, secret set: {bool(self[SECRET])})"

    @property
    def secret(self) -> str | None:
        """The client secret (for redaction), or None."""
        return self[SECRET]

    def rows(self) -> list[dict[str, str]]:
        """``{setting, value, source}`` for every setting, the secret masked."""
        out = []
        for key in KEYS:
            setting = self.values.get(key)
            value = "" if setting is None else (MASK if key == SECRET else _text(setting.value))
            out.append({"setting": key, "value": value, "source": setting.source if setting else "not set"})
        return out

    def require(self, *keys: str) -> None:
        """Raise ConfigError naming every unset setting among ``keys`` and how to set it."""
        missing = [k for k in keys if self[k] in (None, "")]
        if missing:
            hints = "; ".join(f"{k}: --{k.replace('_', '-')}, {ENV[k]} or '{k}' in the config file"
                              for k in missing)
            raise ConfigError(f"missing setting(s) {', '.join(missing)} ({hints})")

    def client(self) -> MetadataClient:
        """A ``MetadataClient`` for these settings. Raises ConfigError (or ValueError)."""
        from ..client import MetadataClient

        self.require("token_url", "api_url", "client_id", SECRET, "user_email")
        try:
            return MetadataClient(
                self["client_id"], self[SECRET], self["token_url"], self["token_url"], None, "",
                self["user_email"], self["api_url"], timeout=self["timeout"], ssl_verify=self["ssl_verify"],
            )
        except ValueError as exc:
            if "allow_insecure_http" not in str(exc):
                raise
            raise ConfigError(f"{str(exc).split(';')[0]}; use https, or set "
                              "OAUTHLIB_INSECURE_TRANSPORT=1 if this network is trusted") from None


def resolve(flags: Mapping[str, Any], environ: Mapping[str, str], config: str | None,
            profile: str | None) -> Settings:
    """The effective settings: ``flags`` > ``environ`` > config file > defaults.

    ``flags`` maps setting names to flag values (None when not given);
    ``profile`` is the ``--profile`` flag. Raises ConfigError.
    """
    names = {key: f"--{key.replace('_', '-')}" for key in KEYS}
    path = config_path(config, environ)
    explicit = bool(config or environ.get("MYMDC_CONFIG"))
    chosen = profile or environ.get("MYMDC_PROFILE") or None
    from_file = file_layer(path, chosen, explicit)
    values = merge(layer(flags, "flag", names), env_layer(environ), from_file,
                   layer(DEFAULTS, "default"))
    return Settings(values, path if path.is_file() else None)
