"""Headless Chromium for tests, driven over the DevTools protocol (CDP) with websocket-client.

    with Chromium() as browser:
        page = browser.open(path)            # file:// URL; waits for the load event
        page.evaluate("document.title")
        page.console, page.dialogs, page.requests, page.exceptions   # everything the page did
        page.screenshot(out_png)

Uses Debian's /usr/bin/chromium (no browser download). `require_chromium()` skips a test when it is
missing, or fails it under CI=true, as `require_prometheus()` does.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
import requests
import websocket

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--window-size=1400,1000",
)
START_TIMEOUT = 30.0


def require_chromium() -> str:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        message = "headless chromium is not on PATH (Debian: apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return binary


class Page:
    """One tab. Events are kept as they arrive, so a test can assert on all of them afterwards."""

    def __init__(self, ws_url: str) -> None:
        self._ws = websocket.create_connection(ws_url, timeout=START_TIMEOUT, suppress_origin=True)
        self._id = 0
        self.events: list[dict[str, Any]] = []
        self.load_seconds = 0.0
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        self._id += 1
        self._ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv())
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result") or {})
            self._event(message)

    def _event(self, message: dict[str, Any]) -> None:
        self.events.append(message)
        if message.get("method") == "Page.javascriptDialogOpening":  # dismiss, or the page hangs
            self._ws.send(json.dumps({"id": 0, "method": "Page.handleJavaScriptDialog", "params": {"accept": False}}))

    def wait_for(self, method: str, timeout: float = START_TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = len(self.events)
        while time.monotonic() < deadline:
            for event in self.events[seen:]:
                if event.get("method") == method:
                    return event
            seen = len(self.events)
            self._ws.settimeout(max(0.1, deadline - time.monotonic()))
            self._event(json.loads(self._ws.recv()))
        raise TimeoutError(method)

    def navigate(self, url: str) -> float:
        """Load `url`; returns the seconds until the load event."""
        start = time.monotonic()
        self.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        return time.monotonic() - start

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluate {expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def settle(self) -> None:
        """Let queued events (console, dialogs) arrive: a round trip after a 0 ms timer."""
        self.evaluate("new Promise(function (r) { setTimeout(r, 50); })")

    def of(self, method: str) -> list[dict[str, Any]]:
        return [e["params"] for e in self.events if e.get("method") == method]

    @property
    def console(self) -> list[dict[str, Any]]:
        return self.of("Runtime.consoleAPICalled") + self.of("Log.entryAdded")

    @property
    def dialogs(self) -> list[dict[str, Any]]:
        return self.of("Page.javascriptDialogOpening")

    @property
    def exceptions(self) -> list[dict[str, Any]]:
        return self.of("Runtime.exceptionThrown")

    @property
    def requests(self) -> list[str]:
        return [p["request"]["url"] for p in self.of("Network.requestWillBeSent")]

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=False)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        self._ws.close()


class Chromium:
    def __init__(self) -> None:
        self.binary = require_chromium()
        self._profile = tempfile.TemporaryDirectory(prefix="ddmigrate-chromium-")
        self._proc: subprocess.Popen[str] | None = None
        self.port = 0
        self._pages: list[Page] = []
        self._drain: threading.Thread | None = None

    def __enter__(self) -> Chromium:
        self._proc = subprocess.Popen(
            [self.binary, *FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self._proc.stderr is not None
        deadline = time.monotonic() + START_TIMEOUT
        for line in self._proc.stderr:  # Chromium prints the port it chose
            found = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if found:
                self.port = int(found.group(1))
                break
            if time.monotonic() > deadline:
                break
        # Keep reading its log, or a full pipe would stall the browser mid-test.
        self._drain = threading.Thread(target=self._proc.stderr.read, daemon=True)
        self._drain.start()
        if not self.port:
            self.__exit__(None, None, None)
            raise RuntimeError("chromium did not start its DevTools endpoint")
        return self

    def open(self, path: Path | None = None, *, javascript: bool = True) -> Page:
        target = requests.put(f"http://127.0.0.1:{self.port}/json/new?about:blank", timeout=10).json()
        page = Page(target["webSocketDebuggerUrl"])
        self._pages.append(page)
        if not javascript:
            page.send("Emulation.setScriptExecutionDisabled", value=True)
        if path is not None:
            page.load_seconds = page.navigate(path.resolve().as_uri())
        return page

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        for page in self._pages:
            page.close()
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            if self._drain is not None:
                self._drain.join(timeout=5)  # EOF once the browser is gone
            if self._proc.stderr is not None:
                self._proc.stderr.close()
        self._profile.cleanup()
