"""The front desk's words in zh-CN and English, and its stylesheet (no CDN, no fonts)."""

from __future__ import annotations

__all__ = ["CSS", "WORDS", "t"]

WORDS: dict[str, tuple[str, str]] = {
    "today": ("今日待办", "Today"),
    "report": ("月报", "Monthly report"),
    "other_lang": ("English", "中文"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "token": ("令牌", "Token"),
    "bad_token": ("令牌无效", "Unknown token"),
    "register": ("登记", "Register"),
    "record": ("记录", "Record"),
    "id": ("编号", "Number"),
    "state": ("状态", "State"),
    "deadline": ("期限", "Deadline"),
    "deadlines": ("期限", "Deadlines"),
    "overdue": ("已超时", "Overdue"),
    "overdue_list": ("超时记录", "Overdue"),
    "open_by_department": ("各部门未结记录", "Open records by department"),
    "none": ("无", "None"),
    "actions": ("可执行的操作", "What you may do"),
    "timeline": ("处理经过", "Timeline"),
    "reason": ("原因（选填）", "Reason (optional)"),
    "month": ("月份", "Month"),
    "show": ("查看", "Show"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
}


def t(key: str, lang: str) -> str:
    """The word ``key`` in ``lang`` (``zh`` or ``en``)."""
    zh, en = WORDS[key]
    return zh if lang == "zh" else en


CSS = """
body{font-family:system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:0;color:#222}
nav{background:#24476b;padding:.5em;display:flex;flex-wrap:wrap;gap:.8em;align-items:center}
nav a,nav button{color:#fff;background:none;border:0;font-size:1em;cursor:pointer}
main{padding:.8em;max-width:60em;margin:auto}
table{border-collapse:collapse;width:100%;margin-bottom:1em}
td,th{border-bottom:1px solid #ddd;padding:.35em;text-align:left;font-size:.95em}
tr.late td{background:#fde8e8}.late{color:#b00020;font-weight:bold}
label{display:block;margin-top:.5em}input,select,textarea{width:100%;max-width:30em;
padding:.4em;font-size:1em;box-sizing:border-box}
button,.button{margin:.6em .4em .2em 0;padding:.5em 1em;background:#24476b;color:#fff;
border:0;border-radius:4px;text-decoration:none;display:inline-block;font-size:1em}
form.action{border:1px solid #ccc;border-radius:6px;padding:.6em;margin:.6em 0}
form.inline{display:inline}.error{color:#b00020}
ol.timeline li{margin:.3em 0}iframe.report{width:100%;height:70vh;border:1px solid #ccc}
"""
