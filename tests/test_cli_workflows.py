"""``mallops change-workflows`` (#14, G5): a store written under one definition of a
``--workflow`` plug-in refuses writes from a process with another (the error names the
command), the command shows what differs writing nothing, and with ``--confirm``
records it (configure roles only), after which writes go through; JSON and SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mallops.cli import main
from mallops.engine.config import config_id
from mallops.stores import open_store
from mallops.stores.protocol import Query

NOW = "--now=2026-09-30T10:00:00+08:00"
DESK = "--actor=desk-1:front_desk"
FLOWS = """
from mallops.plugins import EventSpec, Param, StateSpec, Workflow, WorkflowSpec


def _toy(*params, first="open"):
    return Workflow(
        WorkflowSpec(
            kind="toy", zh="样例", en="toy", prefix="TY",
            states=(StateSpec(first, "开", "open"), StateSpec("done", "完", "done", final=True)),
            initial=first,
            create=EventSpec(
                "open", (), None, ("front_desk",), "开", "open",
                params=tuple(Param(p) for p in params),
            ),
            events=(EventSpec("finish", (first,), "done", ("front_desk",), "完", "finish"),),
        )
    )


OLD = _toy()
NEW = _toy("note")
RENAMED = _toy(first="pending")  # lacks the state the stored record is in
"""


@pytest.fixture(autouse=True)
def _english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOPS_LANG", "en")


@pytest.fixture(params=["json", "sqlite"])
def store(
    request: pytest.FixtureRequest, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> str:
    """A store holding one toy record written under the OLD definition."""
    (tmp_path / "flows.py").write_text(FLOWS, encoding="utf-8")
    location = (
        str(tmp_path / "s.json") if request.param == "json" else f"sqlite:///{tmp_path / 's.db'}"
    )
    assert main(["init", f"--store={location}"]) == 0
    assert main(["open", "toy", DESK, NOW, f"--store={location}", _flow(location, "OLD")]) == 0
    capsys.readouterr()
    return location


def _flow(location: str, name: str) -> str:
    folder = Path(location.removeprefix("sqlite:///")).parent
    return f"--workflow={folder / 'flows.py'}:{name}"


def _run(capsys: pytest.CaptureFixture[str], store: str, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, NOW, f"--store={store}"])
    got = capsys.readouterr()
    return code, got.out, got.err


def _snapshot(location: str) -> list[object]:
    s = open_store(location)
    try:
        return [s.get(config_id("default")), *s.query(Query(property="default"))]
    finally:
        s.close()


def test_drift_is_refused_shown_and_recorded(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """#14: the refused write names the command; the dry run shows the kind, the part
    and both digests and changes nothing; --confirm records it and writes go through."""
    new = _flow(store, "NEW")
    before = _snapshot(store)
    code, _, err = _run(capsys, store, "open", "toy", DESK, new)
    assert code == 1
    assert "workflow toy: its definition differs" in err
    assert "mallops change-workflows" in err
    assert _snapshot(store) == before

    code, out, _ = _run(capsys, store, "change-workflows", new)
    assert code == 0
    config = before[0]
    old_digest = config.fields["definitions"]["toy"]["digest"]  # type: ignore[attr-defined]
    assert f"toy (toy): params differ; recorded {old_digest}, this process " in out
    assert "nothing was written" in out
    assert _snapshot(store) == before  # the dry run wrote nothing

    code, out, _ = _run(capsys, store, "change-workflows", new, "--json")
    data = json.loads(out)
    assert code == 0
    assert data["recorded"] is False
    assert data["added"] == []
    assert data["changed"]["toy"]["parts"] == ["params"]
    assert data["changed"]["toy"]["old"] == old_digest
    new_digest = data["changed"]["toy"]["new"]
    assert new_digest != old_digest
    assert _snapshot(store) == before

    argv = ["change-workflows", new, "--confirm", "--actor=gm-1:general_manager", "--reason=v2"]
    code, out, _ = _run(capsys, store, *argv)
    assert code == 0
    assert "recorded the new workflow definitions of property default" in out
    entry = _snapshot(store)[0].history[-1]  # type: ignore[attr-defined]
    assert (entry.event, entry.actor.id, entry.reason) == ("change_workflows", "gm-1", "v2")
    assert entry.data["changed"]["toy"] == {
        "parts": ["params"],
        "old": old_digest,
        "new": new_digest,
    }

    code, out, _ = _run(capsys, store, "open", "toy", DESK, new, "-f", "note=hi")
    assert (code, out.split()[:2]) == (0, ["opened", "TY-000002"])
    code, out, _ = _run(capsys, store, "change-workflows", new, "--json")
    assert code == 0
    assert json.loads(out)["changed"] == {}  # nothing differs any more
    code, _, err = _run(capsys, store, "open", "toy", DESK, _flow(store, "OLD"))
    assert code == 1  # the old definition is drift now
    assert "mallops change-workflows" in err


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--actor=cs-1:cs_head", "--reason=v2"], 1, "access.configure_roles"),
        (["--actor=x-1:janitor", "--reason=v2"], 1, "unknown role 'janitor'"),
        (["--actor=gm-1:general_manager", "--reason= "], 1, "needs a reason"),
        (["--reason=v2"], 2, "--confirm needs --actor ID:ROLE and --reason TEXT"),
        (["--actor=gm-1:general_manager"], 2, "--confirm needs --actor"),
    ],
    ids=["wrong-role", "unknown-role", "blank-reason", "no-actor", "no-reason"],
)
def test_confirm_is_refused_without_a_configure_role_and_a_reason(
    store: str, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, message: str
) -> None:
    """G5: only access.configure_roles record a definition change, with a reason; a
    refused confirmation leaves the store as it was and the drift in place."""
    new = _flow(store, "NEW")
    before = _snapshot(store)
    got, _, err = _run(capsys, store, "change-workflows", new, "--confirm", *argv)
    assert got == code
    assert message in err
    assert _snapshot(store) == before
    assert _run(capsys, store, "open", "toy", DESK, new)[0] == 1


def test_nothing_to_record_in_chinese(store: str, capsys: pytest.CaptureFixture[str]) -> None:
    """The same definitions: nothing differs, said in zh-CN too, and nothing written."""
    before = _snapshot(store)
    code, out, _ = _run(capsys, store, "change-workflows", _flow(store, "OLD"), "--lang=zh")
    assert code == 0
    assert "流程定义与存储记录一致" in out
    assert _snapshot(store) == before


def test_a_definition_lacking_a_held_state_is_refused_by_the_dry_run_too(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """#14: records in a state the new definition lacks could never move on: the dry run
    says so (exit 1) as the confirmation does, and neither writes."""
    renamed = _flow(store, "RENAMED")
    before = _snapshot(store)
    code, _, err = _run(capsys, store, "change-workflows", renamed)
    assert code == 1
    assert "records are in open, which the new definition lacks" in err
    confirm = ["--confirm", "--actor=gm-1:general_manager", "--reason=rename"]
    code, _, err = _run(capsys, store, "change-workflows", renamed, *confirm)
    assert code == 1
    assert "records are in open" in err
    assert _snapshot(store) == before
