"""Temporary storage (O1) and parcels (O2) through the generic command line."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from mallops.cli import main as cli

NOW = "--now=2026-10-12T10:00:00+08:00"
DESK = "--actor=desk-1:front_desk:customer_service"


def _run(*argv: str) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = cli(list(argv))
    assert code == 0, (argv, buf.getvalue())
    return buf.getvalue()


@pytest.fixture
def store(tmp_path: Path) -> str:
    path = tmp_path / "mall.json"
    _run("init", "--store", str(path))
    return f"--store={path}"


def test_o1_deposit_open_fire_show_list(store: str) -> None:
    """`mallops open deposit` issues the receipt; `fire return_item` checks it (O1); a
    choice is given by its Chinese label too (有偿保管 = paid)."""
    out = json.loads(_run("open", "deposit", store, DESK, NOW, "--json",
                          "-f", "depositor=王芳", "-f", "items=购物袋", "-f", "pieces=2",
                          "-f", "custody=有偿保管"))  # fmt: skip
    assert out["id"] == "DP-000001"
    shown = json.loads(_run("show", "DP-000001", store, NOW, "--json"))
    assert shown["fields"]["receipt"] == "JC2026-00001"
    assert shown["fields"]["fee"] == "5.00"
    assert "王芳" not in json.dumps(shown, ensure_ascii=False)  # masked (G7)
    _run("fire", "DP-000001", "return_item", store, DESK, NOW,
         "-f", "receipt=JC2026-00001", "-f", "collected_by=王芳")  # fmt: skip
    listed = json.loads(_run("list", "--kind", "deposit", store, NOW, "--json"))
    assert [(r["id"], r["state"]) for r in listed] == [("DP-000001", "returned")]


def test_o2_parcels_through_the_cli_with_zh_labels(store: str) -> None:
    """Outgoing and incoming parcels open and move through the generic commands; the
    Chinese output labels their states; choices take their Chinese labels (O2)."""
    staff = "--actor=e-1:staff:engineering"
    head = "--actor=em-1:department_manager:engineering"
    _run("open", "outgoing_parcel", store, staff, NOW, "-f", "department=engineering",
         "-f", "sender=张工", "-f", "recipient=李经理", "-f", "destination=上海",
         "-f", "contents=图纸", "-f", "billing=公司月结")  # fmt: skip
    _run("fire", "PS-000001", "approve", store, head, NOW)
    out = _run("fire", "PS-000001", "send", store, DESK, NOW, "-f", "carrier=顺丰速运",
               "-f", "tracking_number=SF1", "--lang=zh")  # fmt: skip
    assert "已寄出" in out
    sent = json.loads(_run("show", "PS-000001", store, NOW, "--json"))
    assert (sent["fields"]["billing"], sent["fields"]["carrier"]) == ("company", "sf")
    _run("open", "incoming_parcel", store, DESK, NOW, "-f", "carrier=zto",
         "-f", "tracking_number=ZT1", "-f", "recipient=王芳")  # fmt: skip
    out = _run("fire", "PR-000001", "sign", store, DESK, NOW, "-f", "signed_by=王芳", "--lang=zh")
    assert "已签收" in out
