"""``unimap.Engine``: where connectors come from, and mapping vendor records to unified ones."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

import unimap
from unimap import unified
from unimap.config import Config
from unimap.engine import Engine
from unimap.errors import ConfigError, MappingError, SpecError, UnimapError
from unimap.ids import looks_like_unified_id, unified_id
from unimap.resources import mappings_dir

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "specs"
EXTRA = FIXTURES / "extra"
BROKEN = FIXTURES / "three_errors"

OTYS_CANDIDATE: dict[str, Any] = {
    "uid": "5a1f0c9e2b",
    "internalId": 10001,
    "status": "Active",
    "entryDateTime": "2024-01-15 09:30:00",
    "lastModified": "2024-07-01 12:00:00",
    "source": "LinkedIn",
    "Person": {
        "firstName": "Ann",
        "infix": "van der",
        "lastName": "Berg",
        "emailPrimary": " Ann.Berg@Example.NL ",
        "PhoneNumbers": {
            "1": {"phoneNumber": "06-12345678", "type": "mobile"},
            "2": {"phoneNumber": "", "type": "work"},
        },
        "AddressPrimary": {"address": "Damrak 1", "city": "Amsterdam", "postcode": "1012 LG", "country": "Nederland"},
    },
    "EmploymentHistory": [
        {"current": False, "employer": "Old BV", "function": "Intern"},
        {"current": True, "employer": "Acme BV", "function": "Engineer"},
    ],
    "Tags": [{"uid": 9, "tag": "Java"}],
}
OTYS_USER: dict[str, Any] = {
    "uid": 7,
    "blocked": True,
    "Person": {"firstName": "Bo", "lastName": "Ek", "emailPrimary": "bo@example.nl"},
}
OTYS_APPLICATION: dict[str, Any] = {
    "uid": "9c8d7e",
    "candidateUid": "5a1f0c9e2b",
    "vacancyUid": "77aa",
    "entryDateTime": "2024-03-31 02:30:00",
    "lastModified": "2024-10-27 02:30:00",
    "ProcedureStatus1": {"uid": 6, "status": "Placed"},
    "ProcedureStatus2": {"uid": 1, "status": "In progress"},
}
ACME_USER: dict[str, Any] = {
    "id": 7,
    "first": "Ann",
    "infix": "van",
    "last": "Dijk",
    "mail": "Ann@Acme.example",
    "disabled": True,
}


def complete(model: str, record: dict[str, Any]) -> dict[str, Any]:
    """Add what the sync engine and the assembler set, so the record can be validated on its own."""
    full = {**record, "changed_at": "2024-07-01T10:00:00.000Z", "remote_deleted_at": None}
    for name in unified.required_fields(model):
        if unified.origin(model, name) == "nested":
            full.setdefault(name, [])
    return full


def schema_errors(model: str, record: dict[str, Any]) -> list[str]:
    validator = unified.validator("models", model)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(complete(model, record))]


def copy_connector(source: Path, parent: Path, name: str | None = None) -> Path:
    """Copy a connector folder; with ``name``, the copy is that connector (folder and ``name:``)."""
    target = parent / (name or source.name)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    if name:
        spec = target / "connector.yaml"
        text = spec.read_text(encoding="utf-8")
        spec.write_text(text.replace(f"name: {source.name}\n", f"name: {name}\n", 1), encoding="utf-8")
    return target


# -- the entry point ------------------------------------------------------------------------------------


def test_engine_and_the_error_base_are_exported_from_the_package() -> None:
    assert unimap.Engine is Engine
    assert unimap.UnimapError is UnimapError
    assert {"Engine", "UnimapError", "hookimpl"} <= set(unimap.__all__)
    with pytest.raises(AttributeError):
        unimap.NoSuchThing  # noqa: B018


@pytest.mark.parametrize("error", [ConfigError, SpecError, MappingError])
def test_engine_errors_share_one_base(error: type[Exception]) -> None:
    assert issubclass(error, UnimapError)


# -- where connectors come from --------------------------------------------------------------------------


def test_shipped_connectors_load(engine: Engine) -> None:
    assert "otys" in engine.connector_names()
    specs = engine.connector("otys")
    assert specs.root == mappings_dir() / "otys"
    assert set(specs.models) == set(unified.MODELS)
    assert engine.connector("otys") is specs  # loaded once


def test_extra_spec_dirs_add_connectors(clean_env: Path) -> None:
    engine = Engine(config=Config(), spec_dirs=[EXTRA])
    assert {"acme", "otys"} <= set(engine.connector_names())
    assert set(engine.connector("acme").models) == {"user", "candidate"}


def test_a_spec_dir_may_be_the_connector_folder_itself(clean_env: Path) -> None:
    engine = Engine(config=Config(), spec_dirs=[str(EXTRA / "acme")])
    assert "acme" in engine.connector_names()


def test_unimap_toml_in_the_working_directory(clean_env: Path) -> None:
    shutil.copytree(EXTRA, clean_env / "specs", ignore=shutil.ignore_patterns("__pycache__"))
    (clean_env / "unimap.toml").write_text('[unimap]\nspec_dirs = ["specs"]\n', encoding="utf-8")
    engine = Engine()
    assert "acme" in engine.connector_names()
    assert engine.config.spec_dirs == [(clean_env / "specs").resolve()]


def test_unimap_config_points_at_a_file_elsewhere(
    clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "settings.toml").write_text(f'spec_dirs = ["{EXTRA.as_posix()}"]\n', encoding="utf-8")
    monkeypatch.setenv("UNIMAP_CONFIG", str(elsewhere / "settings.toml"))
    assert "acme" in Engine().connector_names()


def test_unimap_spec_path_adds_folders(clean_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    second = tmp_path / "second"
    copy_connector(EXTRA / "acme", second, "beta")
    monkeypatch.setenv("UNIMAP_SPEC_PATH", os.pathsep.join([str(EXTRA), str(second)]))
    engine = Engine()
    assert {"acme", "beta", "otys"} <= set(engine.connector_names())


def test_connectors_are_named_by_their_spec_not_their_folder(clean_env: Path, tmp_path: Path) -> None:
    shutil.copytree(EXTRA / "acme", tmp_path / "folder-name", ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    engine = Engine(config=Config(), spec_dirs=[tmp_path])
    assert "acme" in engine.connector_names()
    assert "folder-name" not in engine.connector_names()


def test_a_later_folder_replaces_a_shipped_connector(clean_env: Path, tmp_path: Path) -> None:
    override = copy_connector(mappings_dir() / "otys", tmp_path / "override")
    users = override / "models" / "users.yaml"
    users.write_text(
        users.read_text(encoding="utf-8").replace(
            "first_name: nullif_empty(Person.firstName)", "first_name: upper(Person.firstName)"
        ),
        encoding="utf-8",
    )
    engine = Engine(config=Config(), spec_dirs=[tmp_path / "override"])
    assert engine.connector("otys").root == override
    assert engine.map_record("otys", "user", OTYS_USER)["first_name"] == "BO"


def test_engine_arguments_come_after_the_configuration(clean_env: Path, tmp_path: Path) -> None:
    first = copy_connector(EXTRA / "acme", tmp_path / "first")
    second = copy_connector(EXTRA / "acme", tmp_path / "second")
    engine = Engine(config=Config(spec_dirs=[tmp_path / "first"]), spec_dirs=[tmp_path / "second"])
    assert engine.connector("acme").root == second != first


# -- errors -------------------------------------------------------------------------------------------------


def test_a_broken_extra_connector_raises_spec_error(clean_env: Path) -> None:
    engine = Engine(config=Config(), spec_dirs=[BROKEN])
    with pytest.raises(SpecError) as caught:
        engine.connector("acme")
    error = caught.value
    assert [f.rule.code for f in error.findings] == ["U005", "U101", "U201"]
    assert "connector 'acme' has 3 spec error(s); run `unimap lint" in str(error)
    assert "users.yaml:6:1: unknown key 'descripton'" in str(error)


def test_a_broken_connector_does_not_stop_the_others(clean_env: Path) -> None:
    engine = Engine(config=Config(), spec_dirs=[BROKEN])
    assert engine.map_record("otys", "user", OTYS_USER)["remote_id"] == "7"


def test_mapping_through_a_broken_connector_raises_spec_error(clean_env: Path) -> None:
    engine = Engine(config=Config(), spec_dirs=[BROKEN])
    with pytest.raises(SpecError):
        engine.map_record("acme", "user", ACME_USER)


def test_info_findings_do_not_stop_a_connector(clean_env: Path, tmp_path: Path) -> None:
    copy_connector(FIXTURES / "rules" / "U204-unmapped-required-field" / "bad", tmp_path, "acme")
    engine = Engine(config=Config(), spec_dirs=[tmp_path])
    record = engine.map_record("acme", "user", ACME_USER)
    assert record["status"] is None  # unmapped but required: present as null


def test_an_unknown_connector_raises_config_error(engine: Engine) -> None:
    with pytest.raises(ConfigError, match=r"unknown connector 'workday' \(known: .*otys"):
        engine.connector("workday")


def test_an_unknown_model_raises_config_error(clean_env: Path) -> None:
    engine = Engine(config=Config(), spec_dirs=[EXTRA])
    with pytest.raises(ConfigError, match="connector 'acme' has no spec for model 'job'"):
        engine.map_record("acme", "job", {})


def test_a_missing_spec_folder_raises_config_error(clean_env: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        Engine(config=Config(), spec_dirs=[tmp_path / "nowhere"])


@pytest.mark.parametrize(
    ("toml", "words"),
    [
        ("[unimap\n", "invalid TOML"),
        ("[unimap]\nplugin = ['x']\n", "unknown setting(s) plugin"),
        ("[unimap]\nplugins = 'x'\n", "`plugins` must be a list"),
        ("[unimap]\nspec_dirs = [1]\n", "`spec_dirs` must be a list"),
    ],
)
def test_a_bad_unimap_toml_raises_config_error(clean_env: Path, toml: str, words: str) -> None:
    (clean_env / "unimap.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Engine()
    assert words in str(caught.value)


def test_a_record_without_remote_id_raises_mapping_error(clean_env: Path) -> None:
    engine = Engine(config=Config(), spec_dirs=[EXTRA])
    with pytest.raises(MappingError, match="has no remote_id"):
        engine.map_record("acme", "user", {"first": "Ann"})


def test_an_expression_failing_at_run_time_raises_mapping_error(clean_env: Path, tmp_path: Path) -> None:
    users = copy_connector(EXTRA / "acme", tmp_path) / "models" / "users.yaml"
    users.write_text(
        users.read_text(encoding="utf-8").replace("join_nonempty(' ', [infix, last])", "join(' ', [infix, last])"),
        encoding="utf-8",
    )
    engine = Engine(config=Config(), spec_dirs=[tmp_path])
    assert engine.map_record("acme", "user", ACME_USER)["last_name"] == "van Dijk"
    with pytest.raises(MappingError, match="mapping a user record failed at field 'last_name': In function join"):
        engine.map_record("acme", "user", {**ACME_USER, "infix": 5})  # join() takes strings only


# -- mapping the shipped OTYS specs ---------------------------------------------------------------------------


def test_otys_candidate(engine: Engine) -> None:
    record = engine.map_record("otys", "candidate", OTYS_CANDIDATE, integration_id="otys:t1")
    assert record["id"] == unified_id("otys:t1", "candidate", "5a1f0c9e2b")
    assert (record["first_name"], record["last_name"]) == ("Ann", "van der Berg")
    assert (record["company"], record["title"]) == ("Acme BV", "Engineer")
    assert record["phone_numbers"] == [{"phone_number": "+31612345678", "type": "MOBILE"}]
    assert record["email_addresses"] == [{"email_address": "ann.berg@example.nl", "type": None}]
    assert record["location"]["country"] == "NL"
    assert record["remote_created_at"] == "2024-01-15T08:30:00.000Z"  # Amsterdam winter time
    assert record["remote_updated_at"] == "2024-07-01T10:00:00.000Z"  # Amsterdam summer time
    assert [tag["name"] for tag in record["tags"]] == ["Java"]
    assert record["remote_data"] == {"Otys.Services.CandidateService.getListEx": OTYS_CANDIDATE}
    assert schema_errors("candidate", record) == []


def test_otys_user(engine: Engine) -> None:
    record = engine.map_record("otys", "user", OTYS_USER)
    assert (record["remote_id"], record["status"], record["email"]) == ("7", "INACTIVE", "bo@example.nl")
    assert looks_like_unified_id(record["id"])
    assert schema_errors("user", record) == []


def test_otys_application_references_its_candidate(engine: Engine) -> None:
    candidate = engine.map_record("otys", "candidate", OTYS_CANDIDATE, integration_id="otys:t1")
    application = engine.map_record("otys", "application", OTYS_APPLICATION, integration_id="otys:t1")
    assert application["candidate_id"] == candidate["id"]
    assert application["job_id"] == unified_id("otys:t1", "job", "77aa")
    assert application["outcome"] == "HIRED"  # "Placed" is one of the hired_stages
    assert application["remote_created_at"] == "2024-03-31T01:30:00.000Z"  # in the spring-forward gap


def test_ids_are_stable_and_depend_on_the_integration(engine: Engine) -> None:
    first = engine.map_record("otys", "user", OTYS_USER, integration_id="otys:a")
    again = engine.map_record("otys", "user", dict(OTYS_USER), integration_id="otys:a")
    other = engine.map_record("otys", "user", OTYS_USER, integration_id="otys:b")
    assert first["id"] == again["id"] != other["id"]


def test_integration_settings_override_the_connector_defaults(engine: Engine) -> None:
    assert engine.settings("otys")["timezone"] == "Europe/Amsterdam"
    assert engine.settings("otys", {"timezone": "UTC"})["timezone"] == "UTC"
    record = engine.map_record("otys", "candidate", OTYS_CANDIDATE, settings={"timezone": "UTC"})
    assert record["remote_updated_at"] == "2024-07-01T12:00:00.000Z"
    assert engine.settings("otys")["timezone"] == "Europe/Amsterdam"


# -- mapping an extra connector --------------------------------------------------------------------------------


def test_acme_user(clean_env: Path) -> None:
    engine = Engine(config=Config(), spec_dirs=[EXTRA])
    record = engine.map_record("acme", "user", ACME_USER, integration_id="acme:1")
    assert record == {
        "remote_id": "7",
        "first_name": "Ann",
        "last_name": "van Dijk",
        "email": "ann@acme.example",
        "status": "INACTIVE",
        "system_roles": [],  # required: an unmapped list is carried empty
        "id": unified_id("acme:1", "user", "7"),
        "remote_data": {"/users": ACME_USER},
    }
    assert schema_errors("user", record) == []


def test_acme_candidate_with_a_transform_chain_and_a_setting(clean_env: Path) -> None:
    engine = Engine(config=Config(), spec_dirs=[EXTRA])
    raw = {
        "id": 3,
        "first": "  Ann ",
        "last": "Dijk",
        "created": "2024-07-01 12:00:00",
        "phones": [{"number": "020 1234567", "kind": "work"}],
    }
    record = engine.map_record("acme", "candidate", raw)
    assert record["first_name"] == "Ann"
    assert record["remote_url"] == "https://app.acme.example/candidates/3"
    assert record["phone_numbers"] == [{"phone_number": "+31201234567", "type": "WORK"}]
    assert record["remote_created_at"] == "2024-07-01T10:00:00.000Z"
    assert schema_errors("candidate", record) == []


def test_the_benchmark_spec_maps_like_its_hand_written_twin(capsys: pytest.CaptureFixture[str]) -> None:
    """``bench/bench_mapping.py`` compares the engine with a hand-written mapping; they must agree."""
    path = Path(__file__).resolve().parents[1] / "bench" / "bench_mapping.py"
    spec = importlib.util.spec_from_file_location("unimap_bench_mapping", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--records", "300", "--rounds", "1", "--no-save"]) == 0
    assert "ratio engine ÷ hand" in capsys.readouterr().out
