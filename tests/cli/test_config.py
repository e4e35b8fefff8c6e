"""Where ``mymdc`` takes its settings from, and ``mymdc config show|check``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import DEAD_URL, SECRET, Run


def write_config(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def shown(mymdc: Run, *argv: str) -> dict[str, tuple[str, str]]:
    res = mymdc(*argv, "config", "show", "--json")
    assert res.code == 0, res.err
    return {row["setting"]: (row["value"], row["source"]) for row in res.json()}


def credentials(server: Any) -> str:
    return (f'client_id = "{server.client_id}"\nclient_secret = "{server.client_secret}"\n'
            f'user_email = "{server.user_email}"\n')


def test_defaults_without_any_configuration(mymdc: Run, home: Path) -> None:
    settings = shown(mymdc)
    assert settings["url"] == ("https://in.xfel.eu/metadata", "default")
    assert settings["token_url"][0] == "https://in.xfel.eu/metadata/oauth/token"
    assert settings["client_secret"] == ("", "not set")
    res = mymdc("instruments")
    assert res.code == 2 and "missing setting(s) client_id, client_secret, user_email" in res.err
    assert "MYMDC_CLIENT_SECRET" in res.err


def test_precedence_flag_env_file_default(mymdc: Run, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write_config(home / ".config" / "mymdc" / "config.toml",
                          'url = "http://file.example"\ntimeout = 30\nuser_email = "file@x.org"\n'
                          'client_id = "file-id"\n')
    monkeypatch.setenv("MYMDC_USER_EMAIL", "env@x.org")
    monkeypatch.setenv("MYMDC_CLIENT_ID", "env-id")
    settings = shown(mymdc, "--client-id", "flag-id")
    assert settings["client_id"] == ("flag-id", "flag --client-id")
    assert settings["user_email"] == ("env@x.org", "env MYMDC_USER_EMAIL")
    assert settings["timeout"] == ("30", f"config {config}")
    assert settings["url"][0] == "http://file.example"
    assert settings["ssl_verify"] == ("true", "default")


def test_url_of_a_higher_layer_replaces_the_derived_urls(mymdc: Run, home: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(home / ".config" / "mymdc" / "config.toml",
                 'url = "http://file.example"\ntoken_url = "http://file.example/tok"\n')
    assert shown(mymdc)["token_url"][0] == "http://file.example/tok"
    monkeypatch.setenv("MYMDC_URL", "http://env.example/app/")
    settings = shown(mymdc)
    assert settings["token_url"] == ("http://env.example/app/oauth/token", "env MYMDC_URL (derived)")
    assert settings["api_url"][0] == "http://env.example/app/api/"
    monkeypatch.setenv("MYMDC_API_URL", "http://api.example/api/")
    assert shown(mymdc)["api_url"] == ("http://api.example/api/", "env MYMDC_API_URL")


def test_config_file_alone_is_enough(mymdc: Run, server: Any, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    xdg = home / "xdg"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    write_config(xdg / "mymdc" / "config.toml", f'url = "{server.url}"\n' + credentials(server))
    res = mymdc("instruments", "--json")
    assert res.code == 0, res.err
    assert {"SPB", "FXE"} <= {i["identifier"] for i in res.json()}


def test_profiles(mymdc: Run, server: Any, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(home / "elsewhere.toml",
                        'url = "http://top.example"\ntimeout = 5\n'
                        '[profiles.default]\nurl = "http://default.example"\n'
                        f'[profiles.emulator]\nurl = "{server.url}"\n' + credentials(server))
    assert shown(mymdc, "--config", str(path))["url"][0] == "http://default.example"
    settings = shown(mymdc, "--config", str(path), "--profile", "emulator")
    assert settings["url"] == (server.url, f"config {path} [profiles.emulator]")
    assert settings["timeout"][0] == "5"  # top-level keys under every profile
    monkeypatch.setenv("MYMDC_PROFILE", "emulator")
    monkeypatch.setenv("MYMDC_CONFIG", str(path))
    assert mymdc("proposal", "0", "--json").json()["number"] == 0
    missing = mymdc("--profile", "nope", "instruments")
    assert missing.code == 2 and "no profile 'nope'" in missing.err and "default, emulator" in missing.err


def test_bad_config_files_are_usage_errors(mymdc: Run, home: Path) -> None:
    absent = mymdc("--config", str(home / "absent.toml"), "config", "show")
    assert absent.code == 2 and "no config file at" in absent.err
    broken = write_config(home / "broken.toml", "url = \n")
    res = mymdc("--config", str(broken), "config", "show")
    assert res.code == 2 and "not valid TOML" in res.err
    typed = write_config(home / "typed.toml", "timeout = 'soon'\n")
    res = mymdc("--config", str(typed), "config", "show")
    assert res.code == 2 and "timeout must be a positive number" in res.err


def test_unknown_keys_are_named(mymdc: Run, home: Path) -> None:
    path = write_config(home / "c.toml", 'secret = "x"\n')
    assert "unknown key 'secret' ignored" in mymdc("--config", str(path), "config", "show").err


def test_config_readable_by_others_is_warned_about(mymdc: Run, home: Path) -> None:
    path = write_config(home / ".config" / "mymdc" / "config.toml", 'url = "http://x.example"\n', 0o644)
    res = mymdc("config", "show")
    assert res.code == 0 and "readable or writable by others (mode 644)" in res.err
    assert f"chmod 600 {path}" in res.err
    path.chmod(0o600)
    assert "readable" not in mymdc("config", "show").err


def test_without_a_toml_reader_the_message_says_what_to_install(
        mymdc: Run, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(home / ".config" / "mymdc" / "config.toml", 'url = "http://x.example"\n')
    monkeypatch.setitem(sys.modules, "tomllib", None)  # as on Python 3.10 ...
    monkeypatch.setitem(sys.modules, "tomli", None)    # ... without tomli
    res = mymdc("config", "show")
    assert res.code == 2 and "needs Python 3.11+ or the 'tomli' package" in res.err


def test_config_show_masks_the_secret(mymdc: Run, env: dict[str, str]) -> None:
    res = mymdc("config", "show")
    assert res.code == 0 and "client_secret  ********" in res.out
    assert SECRET not in res.out + res.err


def test_config_check_ok(mymdc: Run, env: dict[str, str], server: Any) -> None:
    res = mymdc("config", "check")
    assert res.code == 0, res.err
    assert res.out.startswith("configuration works")
    assert f"<{server.user_email}> (id -1)" in res.out


@pytest.mark.parametrize("argv, code, words", [
    (["--client-secret", "wrong-secret-123"], 3, "token check failed: the client id or secret was refused"),
    (["--client-id", "nobody"], 3, "the client id or secret was refused"),
    (["--user-email", "nobody@example.org"], 3,
     "user check failed: the server does not accept the user e-mail 'nobody@example.org'"),
    (["--url", DEAD_URL, "--timeout", "1"], 4, "cannot reach 127.0.0.1:"),
])
def test_config_check_says_what_is_wrong(mymdc: Run, env: dict[str, str], argv: list[str],
                                         code: int, words: str) -> None:
    res = mymdc(*argv, "config", "check")
    assert (res.code, res.out) == (code, "")
    assert words in res.err


def test_config_check_names_tls_and_wrong_paths(mymdc: Run, env: dict[str, str], server: Any) -> None:
    tls = mymdc("--url", server.url.replace("http://", "https://"), "--timeout", "1", "config", "check")
    assert tls.code == 4 and "TLS failed with 127.0.0.1" in tls.err and "wrong version number" in tls.err
    assert "use an http:// URL" in tls.err
    path = mymdc("--token-url", server.url + "/oauth/nothing", "config", "check")
    assert path.code == 3 and "is not a token endpoint (HTTP 404)" in path.err
    api = mymdc("--api-url", server.url + "/nothing/", "config", "check")
    assert api.code == 1 and "user check failed" in api.err and "HTTP 404" in api.err
