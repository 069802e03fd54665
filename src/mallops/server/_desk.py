"""The web front desk: server-rendered HTML, Chinese by default, no script, no CDN.

Pages: sign in with a token (kept in an HttpOnly, SameSite=Strict cookie), the day's
open and overdue records per department, a form per workflow to register a record
(generated from its creating event's parameters), a record's timeline with its
deadlines and a form per action the signed-in actor may take, the monthly report.
"""

from __future__ import annotations

import urllib.parse
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ..domain.records import Record
from ..errors import MallopsError
from ..workflows.base import WorkflowService
from ._api import overdue, summary
from ._app import COOKIE, Call, ServerState, authenticate, read_body, run_work
from ._convert import from_form
from ._errors import HttpError, error_body
from ._i18n import CSS, t

__all__ = ["desk_routes"]


def _lang(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get("mallops_lang")
    return "en" if chosen == "en" else "zh"  # Chinese by default


def _page(
    lang: str, title: str, body: str, *, signed_in: bool = True, status: int = 200
) -> Response:
    nav = ""
    if signed_in:
        nav = (
            f'<nav><a href="/desk">{t("today", lang)}</a> '
            f'<a href="/desk/report">{t("report", lang)}</a> '
            f'<a href="?lang={"en" if lang == "zh" else "zh"}">{t("other_lang", lang)}</a> '
            f'<form method="post" action="/desk/logout" class="inline">'
            f"<button>{t('sign_out', lang)}</button></form></nav>"
        )
    html = (
        f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{nav}"
        f"<main><h1>{escape(title)}</h1>{body}</main></body></html>"
    )
    response = HTMLResponse(html, status_code=status)
    response.set_cookie("mallops_lang", lang, samesite="strict", httponly=True)
    return response


def _form_fields(params: Any, lang: str, mall: Any) -> str:
    out = []
    for p in params:
        label = escape(p.name) + (" *" if p.required else "")
        name = escape(p.name)
        if p.kind == "choice" and p.choices is not None:
            labels = [(c, _choice_label(mall, p.name, c, lang)) for c in p.choices(mall.policy)]
            opts = "".join(
                f'<option value="{escape(c)}">{escape(label)}</option>' for c, label in labels
            )
            empty = "" if p.required else '<option value=""></option>'
            widget = f'<select name="{name}" id="f-{name}">{empty}{opts}</select>'
        elif p.kind == "text":
            widget = f'<textarea name="{name}" id="f-{name}" rows="3"></textarea>'
        elif p.kind == "bool":
            widget = (
                f'<select name="{name}" id="f-{name}"><option value=""></option>'
                f'<option value="true">{t("yes", lang)}</option>'
                f'<option value="false">{t("no", lang)}</option></select>'
            )
        else:
            kind = "number" if p.kind == "int" else "text"
            widget = f'<input type="{kind}" name="{name}" id="f-{name}">'
        out.append(f'<label for="f-{name}">{label}</label>{widget}')
    return "".join(out)


def _choice_label(mall: Any, param: str, value: str, lang: str) -> str:
    """A choice's label from the policy's tables (channels, departments), else itself."""
    table = {"channel": mall.policy.channels, "department": mall.policy.departments}.get(param)
    label = table.get(value) if table is not None else None
    return value if label is None else (label.zh if lang == "zh" else label.en)


def _params(form: dict[str, str], params: Any, tz: str) -> dict[str, Any]:
    specs = {p.name: p for p in params}
    out: dict[str, Any] = {}
    for key, value in form.items():
        if key in ("reason", "_") or value == "":
            continue
        out[key] = from_form(value, specs.get(key), tz)
    return out


async def _form(request: Request, state: ServerState) -> dict[str, str]:
    origin = request.headers.get("origin")
    if origin is not None and urllib.parse.urlsplit(origin).netloc != request.url.netloc:
        raise HttpError(403, "来源不符", "wrong origin", "a form must come from this server")
    raw = await read_body(request, state.config.max_body)
    pairs = urllib.parse.parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return dict(pairs)


def _state_label(mall: Any, record: Record, lang: str) -> str:
    spec = mall.service(record.kind).engine.spec
    state = next((s for s in spec.states if s.name == record.state), None)
    return record.state if state is None else (state.zh if lang == "zh" else state.en)


def _row(r: Record, now: Any, lang: str, mall: Any) -> str:
    s = summary(r, now)
    late = ", ".join(s["overdue"])
    flag = f'<span class="late">{t("overdue", lang)}: {escape(late)}</span>' if late else ""
    deadline = (s["next_deadline"] or "-")[:16].replace("T", " ")
    return (
        f'<tr class="{"late" if late else ""}"><td><a href="/desk/records/{escape(r.id)}">'
        f"{escape(r.id)}</a></td><td>{escape(_state_label(mall, r, lang))}</td>"
        f"<td>{escape(deadline)}</td>"
        f"<td>{flag}</td></tr>"
    )


def _today(call: Call, lang: str) -> str:
    mall = call.mall
    now = mall.now()
    records = mall.query(is_open=True)
    late = [r for r in records if overdue(r, now)]
    links = " ".join(
        f'<a class="button" href="/desk/new/{escape(k)}">{t("register", lang)} '
        f"{escape(s.engine.spec.zh if lang == 'zh' else s.engine.spec.en)}</a>"
        for k, s in mall.services.items()
        if call.token.actor.role in s.engine.spec.create.roles
    )
    parts = [f'<p class="actions">{links}</p>']
    head = (
        "<tr>"
        + "".join(f"<th>{t(k, lang)}</th>" for k in ("id", "state", "deadline"))
        + "<th></th></tr>"
    )
    parts.append(f'<h2 id="overdue">{t("overdue_list", lang)} ({len(late)})</h2>')
    parts.append(
        f'<table id="overdue-list">{head}{"".join(_row(r, now, lang, mall) for r in late)}</table>'
        if late
        else f"<p>{t('none', lang)}</p>"
    )
    by_dept: dict[str, list[Record]] = {}
    for r in records:
        by_dept.setdefault(r.department or "-", []).append(r)
    parts.append(f"<h2>{t('open_by_department', lang)} ({len(records)})</h2>")
    for dept, rows in sorted(by_dept.items()):
        label = mall.policy.departments.get(dept)
        name = (label.zh if lang == "zh" else label.en) if label is not None else dept
        body = "".join(_row(r, now, lang, mall) for r in rows)
        parts.append(f"<h3>{escape(name)} ({len(rows)})</h3><table>{head}{body}</table>")
    return "".join(parts)


def _record(call: Call, record: Record, lang: str) -> str:
    mall = call.mall
    spec = mall.service(record.kind).engine.spec
    now = mall.now()
    state_label = _state_label(mall, record, lang)
    parts = [f'<p>{t("state", lang)}: <strong id="state">{escape(state_label)}</strong></p>']
    rows = []
    for timer in record.timers:
        due = timer.due_at.format("YYYY-MM-DD HH:mm") if timer.due_at is not None else "-"
        late = timer.name in overdue(record, now)
        rows.append(
            f'<tr class="{"late" if late else ""}"><td>{escape(timer.name)}</td>'
            f"<td>{escape(timer.status)}</td><td>{escape(due)}</td>"
            f"<td>{t('overdue', lang) if late else ''}</td></tr>"
        )
    if rows:
        parts.append(f"<h2>{t('deadlines', lang)}</h2><table>{''.join(rows)}</table>")
    allowed = mall.allowed_events(record.id, call.token.actor)
    forms = []
    for name in allowed:
        branch = next(e for e in spec.events if e.name == name)
        fields = _form_fields(mall.service(record.kind).engine.param_specs(name), lang, mall)
        reason = f'<label>{t("reason", lang)}</label><input name="reason">'
        label = escape(branch.zh if lang == "zh" else branch.en)
        forms.append(
            f'<form method="post" action="/desk/records/{escape(record.id)}/fire/{escape(name)}"'
            f' class="action" id="do-{escape(name)}"><h3>{label}</h3>'
            f'{fields}{reason}<button type="submit">{label}</button></form>'
        )
    parts.append(f"<h2>{t('actions', lang)}</h2>" + ("".join(forms) or f"<p>{t('none', lang)}</p>"))
    items = "".join(
        f"<li><time>{escape(h.at.format('YYYY-MM-DD HH:mm'))}</time> <b>{escape(h.event)}</b> "
        f"{escape(h.actor.id)} {escape(h.from_state or '')} → {escape(h.to_state)}"
        + (f" <i>{escape(h.reason)}</i>" if h.reason else "")
        + "</li>"
        for h in record.history
    )
    parts.append(f'<h2>{t("timeline", lang)}</h2><ol class="timeline">{items}</ol>')
    return "".join(parts)


def desk_routes(state: ServerState) -> list[Route]:
    """The front desk's pages."""

    async def guarded(request: Request, work: Any, title_key: str) -> Response:
        lang = _lang(request)
        try:
            token = authenticate(state, request)
        except HttpError:
            return RedirectResponse("/desk/login", status_code=303)
        call = Call(
            token,
            state.mall(token.property),
            dict(request.path_params),
            dict(request.query_params),
            None,
            lang,
        )
        try:
            if request.method == "POST":
                form = await _form(request, state)
                target = await run_work(state, lambda: work(call, form))
                return RedirectResponse(target, status_code=303)
            body, title = await run_work(state, lambda: work(call))
        except (MallopsError, HttpError) as exc:
            status, data = error_body(exc, lang)
            err = data["error"]
            msg = (
                f'<p class="error" id="error"><b>{escape(err["title"])}</b>: '
                f"{escape(err['message'])}</p>"
            )
            return _page(lang, t(title_key, lang), msg, status=status)
        return _page(lang, title or t(title_key, lang), body)

    async def login(request: Request) -> Response:
        lang = _lang(request)
        if request.method == "POST":
            form = await _form(request, state)
            secret = form.get("token", "")
            if state.tokens.find(secret) is None:
                body = f'<p class="error" id="error">{t("bad_token", lang)}</p>' + _login_form(lang)
                return _page(lang, t("sign_in", lang), body, signed_in=False, status=401)
            response = RedirectResponse("/desk", status_code=303)
            response.set_cookie(COOKIE, secret, httponly=True, samesite="strict")
            return response
        return _page(lang, t("sign_in", lang), _login_form(lang), signed_in=False)

    async def logout(request: Request) -> Response:
        response = RedirectResponse("/desk/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    async def today(request: Request) -> Response:
        return await guarded(request, lambda c: (_today(c, c.lang), None), "today")

    def new_work(call: Call, form: dict[str, str] | None = None) -> Any:
        kind = call.path["kind"]
        service = call.mall.service(kind)
        spec = service.engine.spec
        if form is None:
            fields = _form_fields(spec.create.params, call.lang, call.mall)
            body = (
                f'<form method="post" id="new-record">{fields}<button type="submit">'
                f"{t('register', call.lang)}</button></form>"
            )
            name = spec.zh if call.lang == "zh" else spec.en
            return body, f"{t('register', call.lang)} {name}"
        record = WorkflowService.open(
            service,
            actor=call.token.actor,
            **_params(form, spec.create.params, call.mall.policy.calendar.timezone),
        )
        return f"/desk/records/{record.id}"

    async def new(request: Request) -> Response:
        return await guarded(request, new_work, "register")

    def record_work(call: Call) -> Any:
        record = call.mall.get(call.path["record_id"])
        return _record(call, record, call.lang), record.id

    async def record_page(request: Request) -> Response:
        return await guarded(request, record_work, "record")

    def fire_work(call: Call, form: dict[str, str]) -> Any:
        rid, event = call.path["record_id"], call.path["event"]
        record = call.mall.get(rid)
        engine = call.mall.service(record.kind).engine
        reason = form.get("reason") or None
        call.mall.fire(
            rid,
            event,
            actor=call.token.actor,
            reason=reason,
            **_params(form, engine.param_specs(event), call.mall.policy.calendar.timezone),
        )
        return f"/desk/records/{rid}"

    async def fire(request: Request) -> Response:
        return await guarded(request, fire_work, "record")

    def report_work(call: Call) -> Any:
        from ..report import build_report, parse_period, render

        start, end = parse_period(call.mall, call.text("month") or None)
        html = render(build_report(call.mall, start, end, lang=call.lang), "html")
        month = escape(start.format("YYYY-MM"))
        picker = (
            f'<form method="get"><label for="month">{t("month", call.lang)}</label>'
            f'<input id="month" name="month" value="{month}">'
            f"<button>{t('show', call.lang)}</button></form>"
        )
        frame = f'<iframe title="report" srcdoc="{escape(html)}" class="report"></iframe>'
        return picker + frame, None

    async def report(request: Request) -> Response:
        return await guarded(request, report_work, "report")

    async def root(request: Request) -> Response:
        return RedirectResponse("/desk", status_code=303)

    return [
        Route("/", root),
        Route("/desk", today),
        Route("/desk/login", login, methods=["GET", "POST"]),
        Route("/desk/logout", logout, methods=["POST"]),
        Route("/desk/new/{kind}", new, methods=["GET", "POST"]),
        Route("/desk/records/{record_id}", record_page),
        Route("/desk/records/{record_id}/fire/{event}", fire, methods=["POST"]),
        Route("/desk/report", report),
    ]


def _login_form(lang: str) -> str:
    return (
        f'<form method="post" action="/desk/login" id="login"><label for="token">'
        f'{t("token", lang)}</label><input type="password" name="token" id="token" '
        f'autocomplete="current-password">'
        f'<button type="submit">{t("sign_in", lang)}</button></form>'
    )
