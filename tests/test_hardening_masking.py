"""Hardening: personal data typed into free text is masked in every output unless
revealed explicitly (G7; issue 15)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mallops import Mall, ManualClock, MemoryStore
from mallops import cli as cli_module
from mallops.export import export_rows
from mallops.masking import mask_text

from .conftest import DESK, at

PHONE = "13912345678"
RESIDENT_ID = "11010119900307451X"
PASSPORT = "E12345678"
EMAIL = "han.meimei@example.com"
SECRETS = (PHONE, RESIDENT_ID, PASSPORT, EMAIL)
TEXT = f"客户电话{PHONE}，身份证{RESIDENT_ID}，护照 {PASSPORT}，邮箱 {EMAIL}"

NOW = "--now=2026-09-30T10:00:00+08:00"
ACTOR = "--actor=desk-1:front_desk:customer_service"


class TestMaskText:
    @pytest.mark.parametrize(
        ("text", "masked"),
        [
            (f"call {PHONE}", "call 139******78"),
            ("电话 +86 139-1234-5678", "电话 +86************78"),
            ("座机 010-12345678", "座机 010*******78"),
            (f"ID {RESIDENT_ID}.", "ID 110*************1X."),
            (f"护照{PASSPORT}", "护照E12****78"),
            (f"mail {EMAIL}", "mail h***@example.com"),
        ],
    )
    def test_g7_recognisable_personal_data_is_masked_inside_text(
        self, text: str, masked: str
    ) -> None:
        """Rule G7: mobile and landline numbers, resident ID numbers, passport numbers
        and e-mail addresses inside free text are masked; the rest stays."""
        assert mask_text(text) == masked

    @pytest.mark.parametrize(
        "text",
        ["C-000001", "LF-000002 2026/11/001", "2026-09-30T10:00:00+08:00", "42 元, 3 次", ""],
    )
    def test_ids_times_and_small_numbers_are_left_alone(self, text: str) -> None:
        """Record ids, lost-item numbers, times and small numbers are not personal data."""
        assert mask_text(text) == text

    @given(
        before=st.text(alphabet="地面湿滑请联系 ,。", max_size=10),
        after=st.text(alphabet="地面湿滑请联系 ,。", max_size=10),
        number=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    )
    def test_g7_any_mobile_number_in_any_text_is_masked(
        self, before: str, after: str, number: str
    ) -> None:
        """Rule G7: an 11-digit mainland mobile number never survives masking."""
        assert number not in mask_text(before + number + after)


def complaint_store(tmp_path: Path) -> str:
    store = tmp_path / "mall.json"
    main = cli_module.main
    assert main(["init", f"--store={store}"]) == 0
    args = ["-f", "channel=phone", "-f", "complainant=韩梅梅", "-f", "contact=13000000000",
            "-f", "location=B1", "-f", f"description={TEXT}",
            "-f", f"demand=回电 {PHONE}"]  # fmt: skip
    assert main(["open", "complaint", f"--store={store}", ACTOR, NOW, *args]) == 0
    return f"--store={store}"


class TestOutputs:
    @pytest.mark.parametrize(
        "extra", [[], ["--json"], ["--lang=en"], ["--lang=en", "--json"]], ids=str
    )
    def test_g7_show_masks_free_text_unless_revealed(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]
    ) -> None:
        """`show`, `show --json` and `--lang en show` mask the numbers typed into a
        description or demand; `--reveal` shows them."""
        store = complaint_store(tmp_path)
        capsys.readouterr()
        assert cli_module.main(["show", "C-000001", store, NOW, *extra]) == 0
        shown = capsys.readouterr().out
        for secret in SECRETS:
            assert secret not in shown
        assert cli_module.main(["show", "C-000001", store, NOW, "--reveal", *extra]) == 0
        revealed = capsys.readouterr().out
        if "--json" in extra:
            revealed = json.loads(revealed)["fields"]["description"]
        assert all(secret in revealed for secret in SECRETS)

    def test_g7_exports_mask_free_text_unless_revealed(self) -> None:
        """The record export masks numbers inside free-text columns unless revealed."""
        mall = Mall(MemoryStore(), ManualClock(at(2026, 9, 30, 10)))
        mall.complaints.open(
            actor=DESK,
            channel="phone",
            complainant="韩梅梅",
            contact="13000000000",
            location="B1",
            description=TEXT,
            demand="回电",
        )
        records = mall.query()
        _, rows = export_rows(mall, records, ["id", "description"])
        assert all(secret not in str(rows) for secret in SECRETS)
        _, rows = export_rows(mall, records, ["id", "description"], reveal=True)
        assert rows[0][1] == TEXT

    def test_g7_the_lost_and_found_register_masks_free_text(self) -> None:
        """The register 《失物招领记录表》 masks numbers in descriptions and features
        unless revealed."""
        mall = Mall(MemoryStore(), ManualClock(at(2026, 9, 30, 10)))
        mall.lost_found.intake(
            actor=DESK,
            found_at=at(2026, 9, 30, 9),
            place_found="1F",
            description=f"钱包，内有名片 {PHONE}",
            features=f"身份证 {RESIDENT_ID}",
            finder_type="customer",
        )
        start, end = at(2026, 9, 1), at(2026, 10, 1)
        text = mall.lost_found.register_text(start, end, lang="en")
        assert PHONE not in text
        assert RESIDENT_ID not in text
        (row,) = mall.lost_found.register(start, end, reveal=True)
        assert PHONE in row.description
        out = io.StringIO()
        csv.writer(out).writerows([[r.description, r.features] for r in
                                   mall.lost_found.register(start, end)])  # fmt: skip
        assert PHONE not in out.getvalue()
