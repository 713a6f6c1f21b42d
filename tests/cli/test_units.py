"""Small pieces of the CLI: URL checks, messages, warning collapsing, config discovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from unimap.cli.commands_sync import collapse, model_status
from unimap.cli.main import hook_hint, readable
from unimap.config import Config, find_config
from unimap.errors import InputInvalid
from unimap.sync import ModelReport
from unimap.urls import check_vendor_url

PATHS = ["/jservice.php", "/fileService.php"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ows.otys.nl", "https://ows.otys.nl"),
        ("https://ows.otys.nl/", "https://ows.otys.nl"),
        ("http://127.0.0.1:8081", "http://127.0.0.1:8081"),
        ("https://proxy.example/otys/", "https://proxy.example/otys"),
    ],
)
def test_good_base_urls(url: str, expected: str) -> None:
    assert check_vendor_url(url, known_paths=PATHS) == expected


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("https://ows.otys.nl/jservice.php", "use https://ows.otys.nl"),
        ("https://proxy.example/otys/fileService.php", "use https://proxy.example/otys"),
        ("ows.otys.nl", "did you mean https://ows.otys.nl?"),
        ("ftp://ows.otys.nl", "https://"),
        ("https://", "no host"),
        ("https://a:b@ows.otys.nl", "password"),
        ("https://ows.otys.nl:99999", "port"),
        ("https://ows.otys.nl/?x=1", "query"),
    ],
)
def test_bad_base_urls(url: str, words: str) -> None:
    with pytest.raises(InputInvalid, match="base URL") as caught:
        check_vendor_url(url, known_paths=PATHS)
    assert words in str(caught.value)


def test_messages_read_as_english() -> None:
    assert readable("'nope' is not a 'email'") == "'nope' is not a valid e-mail address"
    assert readable("mapping a application record failed") == "mapping an application record failed"
    assert readable("a unified user") == "a unified user"
    assert "did you mean 'unimap_process_record'?" in hook_hint("unknown hook 'unimap_proces_record' in plugin x")


def test_identical_skips_collapse_into_one() -> None:
    lines = [f"candidate {i} skipped: setting missing" for i in range(20)] + ["candidate 99 skipped: bad phone"]
    assert collapse(lines) == [("candidate 0 skipped: setting missing", 19), ("candidate 99 skipped: bad phone", 0)]


def test_model_status() -> None:
    assert model_status(ModelReport("candidate", fetched=10)) == "ok"
    assert model_status(ModelReport("candidate", fetched=10, skipped=3)) == "partial"
    assert model_status(ModelReport("candidate", fetched=10, skipped=10)) == "failed"
    assert model_status(ModelReport("candidate", fetched=10, error="boom")) == "failed"


def test_the_config_file_is_found_walking_up_but_not_past_a_repository(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("UNIMAP_CONFIG", raising=False)
    monkeypatch.delenv("UNIMAP_SPEC_PATH", raising=False)
    (tmp_path / "unimap.toml").write_text('store = "sqlite:///x.db"\n', encoding="utf-8")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    assert find_config(deep) == tmp_path / "unimap.toml"
    (tmp_path / "a" / ".git").mkdir()
    assert find_config(deep) is None
    monkeypatch.chdir(tmp_path)
    config = Config.load()
    assert config.path == (tmp_path / "unimap.toml").resolve()
    assert config.store == f"sqlite:///{(tmp_path / 'x.db').resolve()}"
