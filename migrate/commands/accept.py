"""`ddmigrate accept`: record a reviewed exception for an object the decommission gate cannot verify.

    ddmigrate accept REF... --reason "..." [--by NAME] --translation DIR [--workdir DIR]
    ddmigrate accept --list [--translation DIR]
    ddmigrate accept --revoke REF... [--reason "..."] [--by NAME]

REF is a source key (`prometheus/alerting_rule/...`, as the report shows it) or a glob over keys.
Manual, skipped and approximate objects can be accepted, and any object whose parity differs or found
no data; an exact one is cleared by verifying it. Each acceptance pins the object's content hash.
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
from dataclasses import dataclass
from pathlib import Path

from migrate.acceptance import Acceptance, Acceptances, content_hash, default_path, now_iso
from migrate.errors import EXIT_OK, InputError, UsageError
from migrate.model import LedgerEntry, Outcome
from migrate.report.evidence import read_parity
from migrate.runner.journal import who
from migrate.textsafe import one_line
from migrate.translate.store import Translation, read_translation

from .apply import add_common
from .common import add_review_arguments

ACCEPTABLE = frozenset({Outcome.APPROXIMATE, Outcome.MANUAL, Outcome.SKIPPED})


@dataclass
class Listed:
    record: Acceptance
    status: str  # valid | changed | gone | unchecked (no translation given)


def _match(translation: Translation, refs: list[str], ledger_path: Path) -> list[LedgerEntry]:
    keys = [e.ref.key for e in translation.ledger]
    chosen: dict[str, LedgerEntry] = {}
    for ref in refs:
        hits = [k for k in keys if k == ref or fnmatch.fnmatchcase(k, ref)]
        if not hits:
            raise InputError(
                f"no object {one_line(ref)!r} in the ledger",
                path=str(ledger_path),
                hint="use a source key as the report lists it (or a glob over keys)",
            )
        for k in hits:
            entry = translation.ledger.get(k)
            assert entry is not None
            chosen[k] = entry
    return [chosen[k] for k in sorted(chosen)]


def accept(
    *,
    translation_dir: Path,
    refs: list[str],
    reason: str,
    by: str | None = None,
    workdir: Path = Path(),
    acceptances_path: Path | None = None,
) -> list[Acceptance]:
    reason = one_line(reason)
    if not reason:
        raise UsageError("accept needs --reason: what was reviewed and why the difference is acceptable")
    translation = read_translation(translation_dir)
    parity = read_parity(translation_dir / "ledger.json")
    resources = {r.key: r for r in translation.resources}
    store = Acceptances.load(acceptances_path or default_path(workdir))
    at, reviewer = now_iso(), one_line(by or who())
    added = []
    for entry in _match(translation, refs, translation_dir / "ledger.json"):
        verdict = parity.get(entry.ref.key, {}).get("verdict")
        if entry.outcome not in ACCEPTABLE and verdict not in ("differs", "no_data"):
            raise InputError(
                f"{entry.ref.key} is exact: it is cleared by verifying it, not by an acceptance",
                hint="run `ddmigrate verify`; accept only manual, skipped or approximate objects, "
                "or a parity difference",
            )
        record = Acceptance(
            key=entry.ref.key,
            source=entry.ref.source,
            outcome=entry.outcome.value,
            content_hash=content_hash(entry, resources),
            reason=reason,
            by=reviewer,
            at=at,
            parity=verdict,
        )
        store.add(record)
        added.append(record)
    store.save()
    return added


def revoke(
    *, refs: list[str], reason: str, by: str | None = None, workdir: Path = Path(), acceptances_path: Path | None = None
) -> list[Acceptance]:
    store = Acceptances.load(acceptances_path or default_path(workdir))
    at, reviewer = now_iso(), one_line(by or who())
    active = [r.key for r in store.all_active()]
    keys = sorted({k for ref in refs for k in active if k == ref or fnmatch.fnmatchcase(k, ref)})
    if not keys:
        raise InputError(f"no acceptance matches {', '.join(one_line(r) for r in refs)}", path=str(store.path))
    revoked = [store.revoke(k, by=reviewer, reason=one_line(reason) or "revoked", at=at) for k in keys]
    store.save()
    return revoked


def listing(
    *, workdir: Path = Path(), acceptances_path: Path | None = None, translation_dir: Path | None = None
) -> list[Listed]:
    store = Acceptances.load(acceptances_path or default_path(workdir))
    if translation_dir is None:
        return [Listed(r, "unchecked") for r in store.all_active()]
    translation = read_translation(translation_dir)
    resources = {r.key: r for r in translation.resources}
    out = []
    for record in store.all_active():
        entry = translation.ledger.get(record.key)
        status = (
            "gone"
            if entry is None
            else ("valid" if content_hash(entry, resources) == record.content_hash else "changed")
        )
        out.append(Listed(record, status))
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser, translation=False)
    parser.add_argument("refs", nargs="*", metavar="REF", help="source keys (or globs over them)")
    add_review_arguments(parser, translation_required=False, phases=False)
    parser.add_argument("--reason", default="", help="what was reviewed and why it is acceptable (required to accept)")
    parser.add_argument("--by", metavar="NAME", help="the reviewer (default: user@host)")
    parser.add_argument("--list", action="store_true", help="list the acceptances in force")
    parser.add_argument("--revoke", action="store_true", help="revoke the acceptances of REF...")


def run(args: argparse.Namespace) -> int:
    common = {"workdir": args.workdir, "acceptances_path": args.acceptances}
    if args.list:
        rows = listing(translation_dir=args.translation, **common)
        for row in rows:
            r = row.record
            sys.stdout.write(
                f"{row.status:<9} {one_line(r.key)}  {r.outcome}  by {one_line(r.by)} at {r.at}: {one_line(r.reason)}\n"
            )
        sys.stdout.write(f"{len(rows)} acceptances in force\n")
        return EXIT_OK
    if not args.refs:
        raise UsageError('name the objects: ddmigrate accept REF... --reason "..." (or --list)')
    if args.revoke:
        for r in revoke(refs=args.refs, reason=args.reason, by=args.by, **common):
            sys.stdout.write(f"revoked {one_line(r.key)} (accepted by {one_line(r.by)} at {r.at})\n")
        return EXIT_OK
    if args.translation is None:
        raise UsageError("accept needs --translation DIR: the acceptance pins each object's content hash")
    for r in accept(translation_dir=args.translation, refs=args.refs, reason=args.reason, by=args.by, **common):
        sys.stdout.write(f"accepted {one_line(r.key)} ({r.outcome}) by {one_line(r.by)} at {r.at}\n")
    return EXIT_OK
