"""Policy classes shared by every workflow: calendar, roles, departments, channels, timers."""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ..calendar import (
    MISSING_YEAR_MODES,
    REGIONS,
    BusinessCalendar,
    YearSchedule,
    check_intervals,
)
from ..duration import Duration
from ..errors import PolicyError
from ._load import field

TIMER_CHANGE_MODES = ("keep", "restart", "recompute")


@attrs.frozen
class Label:
    """A name in Chinese and English."""

    zh: str = field("", doc="Chinese (zh-CN) label")
    en: str = field("", doc="English label")


@attrs.frozen
class RolePolicy:
    """A role of G5 and its rank (higher ranks are higher on escalation ladders)."""

    zh: str = field("", doc="Chinese label", rule="G5")
    en: str = field("", doc="English label", rule="G5")
    rank: int = field(0, doc="seniority; escalation ladders must climb it", rule="G5")


@attrs.frozen
class CalendarPolicy:
    """Working time (G9, G10) and trading hours (R10)."""

    timezone: str = field("Asia/Shanghai", doc="the mall's timezone", rule="G9")
    working_hours: tuple[str, ...] = field(
        ["09:00-12:00", "13:00-18:00"],
        doc="working intervals of a working day (lunch break allowed; may end at 24:00)",
        rule="G10",
        unit="HH:MM-HH:MM",
    )
    weekly_hours: Mapping[int, tuple[str, ...]] = field(
        {},
        doc="other working intervals for some ISO weekdays (1 = Monday); [] = none that day",
        rule="G10",
        unit="HH:MM-HH:MM",
    )
    weekend: tuple[int, ...] = field(
        [6, 7],
        doc="rest days (ISO weekday); statutory holidays and 调休 workdays override them",
        rule="G9",
    )
    region: str = field(
        "CN",
        doc="holiday source: CN (chinese-calendar, 调休), HK, MO, TW, SG (holidays), NONE",
        rule="G9",
    )
    builtin_holidays: bool = field(
        True,
        doc="use the region's package (CN: chinese-calendar, PRC holidays and 调休, 2004-2026)",
        rule="G9",
    )
    years: Mapping[int, YearSchedule] = field(
        {},
        doc="holidays and adjusted working days per year; wins over the built-in data",
        rule="G9",
    )
    missing_year: str = field(
        "fallback",
        doc="a timer needing a year without data: fallback (weekends off, no holidays, "
        "provisional) or refuse",
        rule="G9",
    )
    warn_before: Duration = field(
        Duration(60, "days"),
        doc="tick() warns once a day from this long before the holiday data runs out",
        rule="G9",
    )
    trading_hours: tuple[str, ...] = field(
        ["10:00-22:00"],
        doc="the mall's trading hours, every day incl. holidays (basis `trading`)",
        rule="R10",
        unit="HH:MM-HH:MM",
    )
    trading_weekly_hours: Mapping[int, tuple[str, ...]] = field(
        {},
        doc="other trading hours for some ISO weekdays (e.g. Friday, Saturday late)",
        rule="R10",
        unit="HH:MM-HH:MM",
    )

    def __attrs_post_init__(self) -> None:
        import pendulum

        try:
            pendulum.timezone(self.timezone)
        except Exception:  # pendulum raises its own InvalidTimezone
            raise PolicyError(f"unknown timezone {self.timezone!r}", key="timezone") from None
        for day in self.weekend:
            if not 1 <= day <= 7:
                raise PolicyError(f"weekday {day} is not 1..7 (ISO)", key="weekend")
        if self.missing_year not in MISSING_YEAR_MODES:
            raise PolicyError(
                f"{self.missing_year!r} is not one of {', '.join(MISSING_YEAR_MODES)}",
                key="missing_year",
            )
        if self.region not in REGIONS:
            raise PolicyError(
                f"unknown region {self.region!r}; regions: {', '.join(REGIONS)}", key="region"
            )
        if self.warn_before.basis != "wall":
            raise PolicyError("write a wall-clock duration such as '60 days'", key="warn_before")
        for key in ("working_hours", "weekly_hours", "trading_hours", "trading_weekly_hours"):
            try:
                self._check_hours(key)
            except PolicyError:
                raise
            except Exception as exc:
                raise PolicyError(str(exc), key=key) from None
        self.build()

    def _check_hours(self, key: str) -> None:
        value = getattr(self, key)
        if isinstance(value, Mapping):
            for weekday, texts in value.items():
                if not 1 <= weekday <= 7:
                    raise PolicyError(f"weekday {weekday} is not 1..7 (ISO)", key=key)
                check_intervals(texts, f"{key}.{weekday}")
        elif value or key == "working_hours":
            if not value:
                raise PolicyError("at least one working interval is needed", key=key)
            check_intervals(value, key)

    def build(self) -> BusinessCalendar:
        """The :class:`~mallops.calendar.BusinessCalendar` this policy describes (its
        ``trading`` calendar runs every day on ``trading_hours``)."""
        trading = None
        if self.trading_hours:
            trading = BusinessCalendar(
                tz=self.timezone,
                intervals=self.trading_hours,
                weekly=self.trading_weekly_hours,
                region="NONE",
                weekend=(),
                missing_year=self.missing_year,
            )
        return BusinessCalendar(
            tz=self.timezone,
            intervals=self.working_hours,
            weekly=self.weekly_hours,
            years=self.years,
            builtin=self.builtin_holidays,
            weekend=self.weekend,
            region=self.region,
            missing_year=self.missing_year,
            trading=trading,
        )


@attrs.frozen
class TimerPolicy:
    """One SLA timer: its allowance, its warning and what changes do to it."""

    duration: Duration = field(Duration(1, "hours"), doc="allowance from start to due")
    warn_at: float | None = field(
        0.75, doc="fraction of the allowance at which an at-risk warning fires", unit="fraction"
    )
    quiet_warnings: bool = field(
        True, doc="hold warnings outside working hours until the next opening"
    )
    on_change: str = field("keep", doc="on severity/category change: keep, restart or recompute")
    on_reopen: str = field("restart", doc="when the record reopens: keep, restart or recompute")

    def __attrs_post_init__(self) -> None:
        if self.duration.basis == "calendar":
            raise PolicyError("a timer runs on wall or working time, not months", key="duration")
        if self.duration.amount <= 0:
            raise PolicyError("a timer's allowance must be positive", key="duration")
        if self.warn_at is not None and not 0 < self.warn_at < 1:
            raise PolicyError(
                f"must be between 0 and 1 (exclusive), got {self.warn_at}", key="warn_at"
            )
        for name in ("on_change", "on_reopen"):
            if getattr(self, name) not in TIMER_CHANGE_MODES:
                raise PolicyError(
                    f"{getattr(self, name)!r} is not one of {', '.join(TIMER_CHANGE_MODES)}",
                    key=name,
                )


@attrs.frozen
class EscalationPolicy:
    """An escalation ladder and the timer that climbs it."""

    ladder: tuple[str, ...] = field(
        ["department_manager", "general_manager"],
        doc="roles of levels 1, 2, ...; each must outrank the one before",
    )
    after: tuple[Duration, ...] = field(
        [Duration(72, "hours"), Duration(24, "hours")],
        doc="level 1 fires this long after the start, each next level this long after the previous",
    )
    warn_at: float | None = field(
        None, doc="fraction of the first step at which an at-risk warning fires", unit="fraction"
    )
    on_reopen: str = field("keep", doc="when the record reopens: keep, restart or recompute")

    def __attrs_post_init__(self) -> None:
        if self.warn_at is not None and not 0 < self.warn_at < 1:  # inf and nan too
            raise PolicyError(
                f"must be between 0 and 1 (exclusive), got {self.warn_at}", key="warn_at"
            )
        if not self.ladder:
            raise PolicyError("an escalation ladder needs at least one level", key="ladder")
        if len(set(self.ladder)) != len(self.ladder):
            raise PolicyError("a role appears twice on the ladder", key="ladder")
        if len(self.after) > len(self.ladder):
            raise PolicyError(
                f"{len(self.after)} steps but only {len(self.ladder)} ladder levels", key="after"
            )
        bases = {d.basis for d in self.after}
        if "calendar" in bases or len(bases) > 1:
            raise PolicyError("all steps must be wall time, or all working time", key="after")
        if any(d.amount <= 0 for d in self.after):
            raise PolicyError("every step must be positive", key="after")
        if self.on_reopen not in TIMER_CHANGE_MODES:
            raise PolicyError(f"not one of {', '.join(TIMER_CHANGE_MODES)}", key="on_reopen")

    def check_roles(self, roles: Mapping[str, RolePolicy], key: str) -> None:
        """Every ladder role exists and each outranks the previous (no skipping down)."""
        previous: tuple[str, int] | None = None
        for i, role in enumerate(self.ladder):
            if role not in roles:
                raise PolicyError(
                    f"unknown role {role!r}; roles: {', '.join(roles)}", key=f"{key}.ladder[{i}]"
                )
            rank = roles[role].rank
            if previous is not None and rank <= previous[1]:
                raise PolicyError(
                    f"level {i + 1} ({role}) does not outrank level {i} ({previous[0]})",
                    key=f"{key}.ladder[{i}]",
                )
            previous = (role, rank)


SEED_ROLES: dict[str, RolePolicy] = {
    "front_desk": RolePolicy("前台/客服管理员", "front desk clerk", 10),
    "staff": RolePolicy("受理部门员工", "department staff", 20),
    "department_manager": RolePolicy("部门经理", "department manager", 30),
    "cs_head": RolePolicy("客服部负责人", "customer-service head", 40),
    "property_manager": RolePolicy("物业经理", "property manager", 50),
    "general_manager": RolePolicy("总经理", "general manager", 60),
}

SEED_DEPARTMENTS: dict[str, Label] = {
    "customer_service": Label("客服部", "customer service"),
    "engineering": Label("工程部", "engineering"),
    "security": Label("保安部", "security"),
    "cleaning": Label("保洁部", "cleaning"),
    "operations": Label("营运部", "operations"),
    "finance": Label("财务部", "finance"),
    "marketing": Label("企划部", "marketing"),
}

SEED_CHANNELS: dict[str, Label] = {
    "phone": Label("电话（含24小时热线）", "phone (incl. 24-hour hotline)"),
    "walk_in": Label("来访/前台", "walk-in / front desk"),
    "email": Label("电子邮件", "email"),
    "online_form": Label("网上表单", "online form"),
    "letter": Label("投诉箱/信函", "complaint box / letter"),
    "wechat": Label("微信服务号", "WeChat service account"),
    "sms": Label("短信", "SMS"),
    "website": Label("网站/论坛", "website / forum"),
    "weibo": Label("微博", "Weibo"),
}
