"""The CLI speaks zh-CN and English (issue 17): one catalogue, every string translated,
the language chosen by --lang, MALLOPS_LANG or the locale, zh-CN by default."""

from __future__ import annotations

import argparse
import ast
import re
import string
from pathlib import Path

import pytest

import mallops.cli as cli_module
from mallops.cli import build_parser, main
from mallops.cli.messages import MESSAGES, choose_language, set_language

cli_module.commands()  # every command module adds its entries to the catalogue
CLI_DIR = Path(cli_module.__file__).parent
CJK = re.compile(r"[\u4e00-\u9fff]")
NOW = "--now=2026-09-30T10:00:00+08:00"
DESK = "--actor=desk-1:front_desk:customer_service"
COMPLAINT = [
    "-f", "channel=电话", "-f", "complainant=韩梅梅", "-f", "contact=13912345678",
    "-f", "location=B1 东侧洗手间", "-f", "description=洗手间很脏", "-f", "demand=清洁",
]  # fmt: skip


def _fields(text: str) -> set[str]:
    """The placeholders of ``text``; ``x_label`` (a display name) counts as ``x``."""
    return {f.removesuffix("_label") for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages(key: str) -> None:
    """Each entry has a Chinese and an English text with the same placeholders (a
    display name may stand for its key: ``{kind_label}`` for ``{kind}``)."""
    zh, en = MESSAGES[key]
    assert zh.strip(), f"{key}: no zh-CN text"
    assert en.strip(), f"{key}: no English text"
    assert CJK.search(zh), f"{key}: the zh-CN text is not Chinese: {zh!r}"
    assert not CJK.search(en), f"{key}: the English text holds Chinese: {en!r}"
    assert _fields(zh) == _fields(en), key


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


@pytest.mark.parametrize("path", sorted(CLI_DIR.glob("*.py")), ids=lambda p: p.name)
def test_cli_strings_come_from_the_catalogue(path: Path) -> None:
    """In the CLI's source every t("key") names an entry, and no help text, printed line
    or raised error is a bare English literal."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for call in _calls(tree):
        name = getattr(call.func, "id", getattr(call.func, "attr", ""))
        if name == "t" and call.args and isinstance(call.args[0], ast.Constant):
            assert call.args[0].value in MESSAGES, f"{path.name}: t({call.args[0].value!r})"
        for kw in call.keywords:
            if kw.arg in ("help", "description", "epilog"):
                assert not isinstance(kw.value, ast.Constant), f"{path.name}:{kw.value.lineno}"
        if name in ("out", "UsageError", "ValidationError", "StoreError") and call.args:
            arg = call.args[0]
            literal = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            assert not (literal and re.search(r"[A-Za-z]{3}", arg.value)), (
                f"{path.name}:{arg.lineno}: {ast.unparse(arg)}"
            )


def _all_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _all_parsers(sub)
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_option_has_help(lang: str) -> None:
    """Every option and argument of every command has a help text in both languages."""
    set_language(lang)
    try:
        for p in _all_parsers(build_parser()):
            for action in p._actions:
                if isinstance(action, argparse._SubParsersAction):
                    continue
                assert action.help, (p.prog, action.option_strings or action.dest)
                if lang == "zh":
                    assert CJK.search(action.help), (p.prog, action.dest, action.help)
    finally:
        set_language("zh")


def test_language_choice_order() -> None:
    """--lang beats MALLOPS_LANG, which beats the locale; zh-CN without any."""
    assert choose_language([], {}) == "zh"
    assert choose_language([], {"LANG": "C.UTF-8"}) == "zh"
    assert choose_language([], {"LANG": "en_US.UTF-8"}) == "en"
    assert choose_language([], {"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}) == "zh"
    assert choose_language([], {"MALLOPS_LANG": "en", "LANG": "zh_CN.UTF-8"}) == "en"
    assert choose_language(["--lang", "zh"], {"MALLOPS_LANG": "en"}) == "zh"
    assert choose_language(["list", "--lang=en"], {"MALLOPS_LANG": "zh-CN"}) == "en"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    got = capsys.readouterr()
    return code, got.out, got.err


@pytest.fixture
def store(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("MALLOPS_LANG", raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert main(["init", "--store", "s.json"]) == 0
    capsys.readouterr()
    return "--store=s.json"


def test_zh_is_the_default_and_chinese_labels_are_accepted(
    store: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --lang the output is Chinese; `channel=电话`, `department=保洁部` and
    `severity=重要` are taken for their keys."""
    code, out, err = _run(capsys, "open", "complaint", store, DESK, NOW, *COMPLAINT,
                          "-f", "severity=重要")  # fmt: skip
    assert code == 0, err
    assert out.strip() == "已新建 C-000001（投诉），状态：已登记（registered）"
    code, out, err = _run(capsys, "fire", "C-000001", "assign", store, DESK, NOW,
                          "-f", "department=保洁部", "-f", "assignee=wang")  # fmt: skip
    assert code == 0, err
    code, out, _ = _run(capsys, "show", "C-000001", store, NOW, "--json")
    assert '"channel": "phone"' in out
    assert '"severity": "important"' in out
    code, out, _ = _run(capsys, "show", "C-000001", store, "--now=2026-09-30T14:00:00+08:00")
    labels = [line.split(":")[0] for line in out.splitlines()]  # field keys are input names
    for english in ("owner", "department", "state ", "created", "timers", "history", "False"):
        assert english not in " ".join(labels), english
    assert "否" in out  # category_confirmed: a yes/no in the language
    assert "负责人 wang  部门 保洁部" in out
    assert "类别 环境卫生  级别 重要" in out
    code, out, _ = _run(capsys, "list", store, "--now=2026-09-30T14:00:00+08:00")
    lines = out.strip().splitlines()
    assert lines[0].split() == ["编号", "类型", "状态", "创建", "负责人", "部门", "类别", "逾期"]
    assert "首次联系" in lines[1]  # the overdue timer by its name (C5)
    assert lines[-1] == "共 1 条记录"
    code, out, _ = _run(capsys, "tick", store, "--now=2026-09-30T14:00:00+08:00")
    assert "计时逾期" in out
    assert out.strip().endswith("共 2 个事件")


def test_english_by_environment_and_aliases(
    store: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """MALLOPS_LANG=en switches every message to English; English labels and common
    aliases (walk-in, front desk) are accepted too; a wrong value lists the choices."""
    monkeypatch.setenv("MALLOPS_LANG", "en")
    args = ["open", "complaint", store, DESK, NOW, *COMPLAINT]
    code, out, err = _run(capsys, *args[:-12], *COMPLAINT[2:], "-f", "channel=walk-in")
    assert code == 0, err
    assert out.startswith("opened C-000001 (complaint), state registered")
    code, out, err = _run(capsys, *args[:-12], *COMPLAINT[2:], "-f", "channel=Front Desk")
    assert code == 0, err
    code, out, err = _run(capsys, *args[:-12], *COMPLAINT[2:], "-f", "channel=fax")
    assert code == 1
    assert err.startswith("mallops: error: channel: 'fax' is not allowed; choose one of: phone")
    code, out, err = _run(capsys, "--lang", "zh", *args[:-12], *COMPLAINT[2:], "-f", "channel=传真")
    assert code == 1
    assert err.startswith("mallops: 错误: channel：'传真' 不是可选值")


def test_argparse_errors_are_translated(capsys: pytest.CaptureFixture[str]) -> None:
    """argparse's own messages (usage, required arguments, invalid choice) follow the
    language, with a suggestion for a mistyped command."""
    code, _, err = _run(capsys, "--lang=zh", "lst")
    assert code == 2
    assert err.startswith("用法：mallops")
    assert "无效的选择：'lst'（是否想输入 list？）" in err
    code, _, err = _run(capsys, "--lang=zh", "open")
    assert "缺少必需的参数" in err
    code, _, err = _run(capsys, "--lang=en", "lst")
    assert "invalid choice: 'lst' (did you mean list?)" in err
