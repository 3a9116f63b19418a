"""A real Prometheus for tests: started on 127.0.0.1 with a free port, a temp storage directory and a
generated prometheus.yml; stopped (terminate, then kill) on exit.

    with PrometheusServer(rule_files=[path], extra_scrape_configs=[basic_auth_job("pw")]) as prom:
        prom.url                      # http://127.0.0.1:PORT
        prom.reload([other_rules])    # rewrites the config, POST /-/reload
        prom.wait_for_targets(2)      # targets appear about 5 s after start

`require_prometheus()` returns the binary's path; without it a test skips, or fails under CI=true.

History without waiting for scrapes: `PrometheusServer(openmetrics=text, scrape_self=False, dead_target=False)`
turns timestamped OpenMetrics text into TSDB blocks with `promtool tsdb create-blocks-from openmetrics` in
its storage directory before starting, with a retention long enough for the samples' fixed past dates.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest
import requests
import yaml

READY_TIMEOUT = 15.0


def require_prometheus() -> str:
    binary = shutil.which("prometheus")
    if binary is None:
        message = "the `prometheus` binary is not on PATH (Debian: apt-get install prometheus; .ci/run does it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def basic_auth_job(password: str, job_name: str = "secured", username: str = "scraper") -> dict[str, Any]:
    """A job whose config carries a password, for scrubbing tests (its target is a dead port)."""
    return {
        "job_name": job_name,
        "basic_auth": {"username": username, "password": password},
        "static_configs": [{"targets": [f"127.0.0.1:{free_port()}"]}],
    }


class PrometheusServer:
    def __init__(
        self,
        rule_files: Sequence[Path | str] = (),
        extra_scrape_configs: Sequence[dict[str, Any]] = (),
        *,
        scrape_self: bool = True,
        dead_target: bool = True,
        scrape_interval: str = "1s",
        openmetrics: str | None = None,
        retention: str = "15d",
    ) -> None:
        self.binary = require_prometheus()
        self.openmetrics = openmetrics
        self.retention = "100y" if openmetrics is not None else retention
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.rule_files = [Path(p).resolve() for p in rule_files]
        self.scrape_configs: list[dict[str, Any]] = []
        if scrape_self:
            self.scrape_configs.append(
                {
                    "job_name": "prometheus",
                    "static_configs": [{"targets": [f"127.0.0.1:{self.port}"], "labels": {"team": "platform"}}],
                }
            )
        if dead_target:
            self.scrape_configs.append(
                {"job_name": "dead", "static_configs": [{"targets": [f"127.0.0.1:{free_port()}"]}]}
            )
        self.scrape_configs += list(extra_scrape_configs)
        self.scrape_interval = scrape_interval
        self.workdir = Path(tempfile.mkdtemp(prefix="ddmigrate-prometheus-"))
        self.config_path = self.workdir / "prometheus.yml"
        self.log_path = self.workdir / "prometheus.log"
        self.process: subprocess.Popen[bytes] | None = None

    # --- lifecycle -------------------------------------------------------------------------------
    def write_config(self) -> None:
        config = {
            "global": {
                "scrape_interval": self.scrape_interval,
                "evaluation_interval": "5s",
                "external_labels": {"env": "test"},
            },
            "rule_files": [str(p) for p in self.rule_files],
            "scrape_configs": self.scrape_configs,
        }
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    def create_blocks(self) -> None:
        promtool = shutil.which("promtool") or str(Path(self.binary).with_name("promtool"))
        source = self.workdir / "history.om"
        source.write_text(self.openmetrics or "", encoding="utf-8")
        done = subprocess.run(
            [promtool, "tsdb", "create-blocks-from", "openmetrics", str(source), str(self.workdir / "data")],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"promtool create-blocks-from openmetrics failed:\n{done.stderr[-2000:]}")
        source.unlink()

    def start(self) -> PrometheusServer:
        self.write_config()
        if self.openmetrics is not None:
            self.create_blocks()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    self.binary,
                    f"--config.file={self.config_path}",
                    f"--storage.tsdb.path={self.workdir / 'data'}",
                    f"--storage.tsdb.retention.time={self.retention}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--web.enable-lifecycle",
                    "--log.level=warn",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"prometheus exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/-/ready", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"prometheus not ready after {READY_TIMEOUT} s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> PrometheusServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # --- while running ---------------------------------------------------------------------------
    def api(self, path: str, **params: str) -> Any:
        resp = requests.get(f"{self.url}/api/v1/{path}", params=params, timeout=10)
        resp.raise_for_status()
        return resp.json()["data"]

    def reload(self, rule_files: Sequence[Path | str]) -> None:
        """Serve other rule files: rewrite the config and ask the running server to reload it."""
        self.rule_files = [Path(p).resolve() for p in rule_files]
        self.write_config()
        resp = requests.post(f"{self.url}/-/reload", timeout=30)
        if resp.status_code != 200:
            raise RuntimeError(f"reload failed: HTTP {resp.status_code} {resp.text}\n{self.log_tail()}")
        wanted = {str(p) for p in self.rule_files}
        files = {g["file"] for g in self.api("rules")["groups"]}
        if not files <= wanted:
            raise RuntimeError(f"reload left other rule files loaded: {sorted(files - wanted)}")

    def wait_for_targets(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Active targets once at least `count` have been scraped (health up or down, not unknown)."""
        deadline = time.monotonic() + timeout
        active: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            active = self.api("targets", state="active")["activeTargets"]
            if len([t for t in active if t.get("health") in ("up", "down")]) >= count:
                return active
            time.sleep(0.2)
        raise TimeoutError(f"{len(active)} of {count} targets scraped after {timeout} s:\n{self.log_tail()}")
