"""A headless Chromium driven over the DevTools protocol (websocket-client), for the
front desk's browser test and the HTML report's screenshot tests.  Only loopback
addresses; every wait is bounded."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Browser:
    """One headless Chromium with one page; ``close()`` ends it."""

    def __init__(
        self,
        profile: Path,
        width: int = 390,
        height: int = 844,
        *,
        mobile: bool = True,
        env: dict[str, str] | None = None,
    ) -> None:
        """Start Chromium with ``profile`` as its user-data directory, a page of
        ``width`` × ``height`` CSS pixels (a phone's by default) and ``env`` as its
        environment (e.g. ``FONTCONFIG_FILE`` for a machine without fonts)."""
        import websocket

        self.proc = subprocess.Popen(
            [
                CHROMIUM,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,  # None: this process's environment
        )
        port_file = profile / "DevToolsActivePort"
        for _ in range(300):  # up to 30 s for the browser to start
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            pages = [t for t in json.load(r) if t["type"] == "page"]
        self.ws = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=30)
        self._id = 0
        self.send("Page.enable")
        self.viewport(width, height, mobile=mobile)

    def viewport(self, width: int, height: int, *, mobile: bool = True) -> None:
        """Emulate a ``width`` × ``height`` screen (device scale factor 1)."""
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
        )

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call a DevTools method and return its result (events in between are dropped)."""
        self._id += 1
        self.ws.send(json.dumps({"id": self._id, "method": method, "params": params or {}}))
        for _ in range(10_000):
            message = json.loads(self.ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})  # type: ignore[no-any-return]
        raise RuntimeError(f"{method}: no answer")

    def js(self, expression: str, *, wait: bool = False) -> Any:
        """Evaluate ``expression`` in the page; its value (with ``wait``, the value the
        promise it returns resolves to)."""
        got = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": wait},
        )
        if "exceptionDetails" in got:
            raise RuntimeError(f"{expression}: {got['exceptionDetails']}")
        return got["result"].get("value")

    def wait_for(self, expression: str, seconds: float = 15) -> Any:
        """Poll ``expression`` until it is truthy, or the promise it returns resolves
        to a truthy value (bounded)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                value = self.js(expression, wait=True)
            except RuntimeError:
                value = None
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}")

    def goto(self, url: str) -> None:
        """Open ``url`` and wait until it has loaded."""
        self.send("Page.navigate", {"url": url})
        self.wait_for(f"location.href === {json.dumps(url)} && document.readyState === 'complete'")

    def submit(self, form: str, values: dict[str, str]) -> None:
        """Fill the fields of ``form`` (a CSS selector) and click its submit button,
        then wait for the next page."""
        before = self.js("performance.timeOrigin")
        self.js(
            f"(() => {{ const f = document.querySelector({json.dumps(form)});"
            f" for (const [k, v] of Object.entries({json.dumps(values)})) f.elements[k].value = v;"
            " f.querySelector('button[type=submit]').click(); })()"
        )
        self.wait_for(f"performance.timeOrigin !== {before} && document.readyState === 'complete'")

    def fonts_loaded(self, family: str, sample: str, seconds: float = 15) -> None:
        """Wait until the page's web fonts are decoded and two frames were painted
        since: ``document.fonts.ready``, every FontFace ``loaded`` (one of them of
        ``family``) and ``document.fonts.check`` true for ``sample`` in ``family``.
        A screenshot taken after this shows the web font, not a fallback or a blank
        (``chromium --screenshot`` may capture before the font is decoded)."""
        declared = self.js(f"[...document.fonts].some(f => f.family === {json.dumps(family)})")
        if not declared:
            raise AssertionError(f"the page declares no font {family!r} (no @font-face)")
        self.wait_for(
            "document.fonts.ready.then(() => document.fonts.load("
            f"'16px ' + {json.dumps(family)}, {json.dumps(sample)})).then(() => true)",
            seconds,
        )
        self.wait_for(
            "document.fonts.status === 'loaded'"
            " && [...document.fonts].every(f => f.status === 'loaded')"
            f" && [...document.fonts].some(f => f.family === {json.dumps(family)})"
            f" && document.fonts.check('16px ' + {json.dumps(family)}, {json.dumps(sample)})",
            seconds,
        )
        self.painted()

    def painted(self) -> None:
        """Wait until two animation frames have passed (the last change is painted)."""
        self.js(
            "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))",
            wait=True,
        )

    def boxes(self, selector: str) -> list[dict[str, int]]:
        """The boxes of the elements matching ``selector`` in page coordinates, rounded
        out to whole pixels: ``clip`` values for :meth:`capture`."""
        return self.js(  # type: ignore[no-any-return]
            f"[...document.querySelectorAll({json.dumps(selector)})].map(e => {{"
            " const r = e.getBoundingClientRect();"
            " const x = Math.floor(r.left + scrollX), y = Math.floor(r.top + scrollY);"
            " return {x: x, y: y, width: Math.ceil(r.right + scrollX) - x,"
            " height: Math.ceil(r.bottom + scrollY) - y, scale: 1}; })"
        )

    def capture(self, clip: dict[str, int] | None = None) -> bytes:
        """A PNG of the page's viewport, or of the ``clip`` box anywhere on the page."""
        params: dict[str, Any] = {"format": "png"}
        if clip is not None:
            params |= {"clip": clip, "captureBeyondViewport": True}
        return base64.b64decode(self.send("Page.captureScreenshot", params)["data"])

    def screenshot(self, path: Path) -> None:
        """Save a PNG of the page."""
        path.write_bytes(self.capture())

    def close(self) -> None:
        """End the browser."""
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
