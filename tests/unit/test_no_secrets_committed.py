"""Recordings, fixtures, inventories and mappings must never carry a real credential (STYLE.md #11)."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = {
    "New Relic user key": re.compile(r"NRAK-[A-Z0-9]{27}"),
    "Datadog API key header": re.compile(r"DD-API-KEY\"?\s*[:=]\s*\"?[0-9a-f]{32}", re.I),
    "Datadog application key header": re.compile(r"DD-APPLICATION-KEY\"?\s*[:=]\s*\"?[0-9a-f]{40}", re.I),
    "bearer token": re.compile(r"Bearer [A-Za-z0-9_\-.]{30,}"),
    "basic auth in URL": re.compile(r"https?://[^/\s:@\"']+:[^/\s@\"']{3,}@[A-Za-z0-9.-]+"),
}


def tracked_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "tests", "inventories", "migrate/data", "bench"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [ROOT / p for p in out if (ROOT / p).is_file()]


def test_no_credentials_in_fixtures_or_inventories() -> None:
    hits = []
    files = tracked_files()
    assert files, "git ls-files found nothing to scan"
    for path in files:
        if path == Path(__file__):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for name, pattern in PATTERNS.items():
            for match in pattern.finditer(text):
                hits.append(f"{path.relative_to(ROOT)}: {name}: {match.group(0)[:40]}")
    assert not hits, "\n".join(hits)
