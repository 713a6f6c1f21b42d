"""Items 13 and 14 (store side): credentials encrypted at rest, owner-only files, killed runs, cursors."""

from __future__ import annotations

import base64
import json
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from unimap import secrets
from unimap.errors import ConfigError, InputInvalid
from unimap.store.base import Integration
from unimap.store.sqlite import SQLiteStore, decode_cursor, encode_cursor

SECRET = "s3cr3t-api-key-do-not-leak"
KEY_A = secrets.generate_key()
KEY_B = secrets.generate_key()


@pytest.fixture(autouse=True)
def _no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(secrets.KEY_VAR, raising=False)
    monkeypatch.delenv(secrets.OLD_KEYS_VAR, raising=False)


def integration(iid: str = "otys:a") -> Integration:
    return Integration(iid, "otys", "A", "https://ows.example", {"api_key": SECRET}, {})


def raw_credentials(path: Path, iid: str = "otys:a") -> str:
    with sqlite3.connect(path) as db:
        return str(db.execute("SELECT credentials FROM integrations WHERE id=?", (iid,)).fetchone()[0])


# -- seal / unseal ------------------------------------------------------------------------------------


def test_without_a_key_credentials_stay_plain_json() -> None:
    assert json.loads(secrets.seal({"api_key": SECRET}, {})) == {"api_key": SECRET}
    assert secrets.unseal('{"api_key": "x"}', {}) == {"api_key": "x"}


def test_with_a_key_credentials_are_sealed_and_unsealed() -> None:
    env = {secrets.KEY_VAR: KEY_A}
    sealed = secrets.seal({"api_key": SECRET}, env)
    assert sealed.startswith(secrets.PREFIX) and SECRET not in sealed
    assert secrets.seal({"api_key": SECRET}, env) != sealed  # a fresh nonce every time
    assert secrets.unseal(sealed, env) == {"api_key": SECRET}


def test_a_sealed_blob_without_the_key_is_a_clear_error() -> None:
    sealed = secrets.seal({"api_key": SECRET}, {secrets.KEY_VAR: KEY_A})
    with pytest.raises(ConfigError, match="set UNIMAP_SECRET_KEY"):
        secrets.unseal(sealed, {})
    with pytest.raises(ConfigError, match="none of UNIMAP_SECRET_KEY"):
        secrets.unseal(sealed, {secrets.KEY_VAR: KEY_B})


def test_a_tampered_blob_is_refused() -> None:
    env = {secrets.KEY_VAR: KEY_A}
    sealed = secrets.seal({"api_key": SECRET}, env)
    head, body = sealed.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 1
    with pytest.raises(ConfigError, match="tampered"):
        secrets.unseal(f"{head}:{base64.urlsafe_b64encode(bytes(raw)).decode()}", env)


@pytest.mark.parametrize("key", ["short", "x" * 44, base64.urlsafe_b64encode(b"k" * 16).decode()])
def test_a_malformed_key_is_a_config_error(key: str) -> None:
    with pytest.raises(ConfigError, match="32 random bytes"):
        secrets.seal({}, {secrets.KEY_VAR: key})


def test_rotation_reads_old_envelopes_and_reseals_with_the_new_key() -> None:
    old = secrets.seal({"api_key": SECRET}, {secrets.KEY_VAR: KEY_A})
    rotated = {secrets.KEY_VAR: KEY_B, secrets.OLD_KEYS_VAR: KEY_A}
    assert secrets.unseal(old, rotated) == {"api_key": SECRET}
    assert secrets.needs_reseal(old, rotated)
    assert not secrets.needs_reseal(secrets.seal({"api_key": SECRET}, rotated), rotated)


# -- the SQLite store ---------------------------------------------------------------------------------------


def test_the_store_encrypts_credentials_when_a_key_is_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(secrets.KEY_VAR, KEY_A)
    path = tmp_path / "u.db"
    store = SQLiteStore(str(path))
    store.save_integration(integration())
    assert store.integration("otys:a").credentials == {"api_key": SECRET}
    store.close()
    assert SECRET not in raw_credentials(path)
    assert SECRET.encode() not in path.read_bytes() + (tmp_path / "u.db-wal").read_bytes()


def test_the_rotate_command_reseals_every_integration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "u.db"
    store = SQLiteStore(str(path))
    store.save_integration(integration("otys:a"))  # plain (no key yet)
    monkeypatch.setenv(secrets.KEY_VAR, KEY_A)
    store.save_integration(integration("otys:b"))  # sealed with A
    store.close()
    monkeypatch.setenv(secrets.KEY_VAR, KEY_B)
    monkeypatch.setenv(secrets.OLD_KEYS_VAR, KEY_A)
    assert secrets.main(["rotate", f"sqlite:///{path}"]) == 0
    for iid in ("otys:a", "otys:b"):
        assert raw_credentials(path, iid).startswith(
            f"{secrets.PREFIX}{secrets.key_id(base64.urlsafe_b64decode(KEY_B))}:"
        )
    monkeypatch.delenv(secrets.OLD_KEYS_VAR)
    assert SQLiteStore(str(path)).integration("otys:a").credentials == {"api_key": SECRET}


def test_the_store_file_is_owner_only_even_if_it_existed_empty(tmp_path: Path) -> None:
    path = tmp_path / "u.db"
    path.touch()
    path.chmod(0o644)
    store = SQLiteStore(str(path))
    store.save_integration(integration())
    store.close()
    for candidate in (path, *tmp_path.glob("u.db-*")):
        assert stat.S_IMODE(candidate.stat().st_mode) == 0o600, candidate


# -- runs killed with SIGKILL -----------------------------------------------------------------------------


def test_a_run_killed_with_sigkill_shows_as_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "u.db"
    store = SQLiteStore(str(path))
    store.save_integration(integration())
    script = textwrap.dedent(f"""
        import os, signal
        from unimap.store.sqlite import SQLiteStore
        store = SQLiteStore({str(path)!r})
        store.start_sync("otys:a", "full")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert done.returncode == -signal.SIGKILL
    [run] = store.syncs("otys:a")
    assert run["status"] == "interrupted"
    assert run["finished_at"] is not None
    assert run["stats"] is None
    assert store.syncs("otys:a")[0]["status"] == "interrupted"  # and it stays so


def test_a_live_run_stays_running_and_its_stats_hide_the_owner(tmp_path: Path) -> None:
    store = SQLiteStore(str(tmp_path / "u.db"))
    store.save_integration(integration())
    sync_id = store.start_sync("otys:a", "full")
    [run] = store.syncs("otys:a")
    assert (run["status"], run["stats"]) == ("running", None)
    store.finish_sync(sync_id, "success", {"records": 3})
    assert store.syncs("otys:a")[0]["stats"] == {"records": 3}


# -- cursors ----------------------------------------------------------------------------------------------


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor('{"after": 1e400}'),
        _cursor('{"after": "many"}'),
        _cursor('{"after": true}'),
        _cursor('{"after": -1}'),
        _cursor('{"after": 18446744073709551616}'),
        _cursor('{"after": 1.5}'),
        _cursor("[" * 100 + "]" * 100),
        _cursor('"x"'),
        "\ud800",
        "!!!",
        "",
        "x" * 5000,
        _cursor("[" * 50 + "]" * 50),
    ],
)
def test_a_cursor_we_did_not_issue_is_an_input_error(cursor: str) -> None:
    with pytest.raises(InputInvalid, match="invalid cursor"):
        decode_cursor(cursor)


def test_issued_cursors_round_trip() -> None:
    assert decode_cursor(encode_cursor(42)) == 42
