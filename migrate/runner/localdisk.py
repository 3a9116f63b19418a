"""Is a directory on a network filesystem? The ledger refuses one: SQLite's WAL needs shared memory between
processes on one host, and flock is not reliable there."""

from __future__ import annotations

from pathlib import Path

MOUNTS = Path("/proc/mounts")
NETWORK_FILESYSTEMS = frozenset(
    {
        "nfs",
        "nfs4",
        "cifs",
        "smb3",
        "smbfs",
        "ncpfs",
        "afs",
        "9p",
        "fuse.sshfs",
        "glusterfs",
        "ceph",
        "fuse.ceph",
        "lustre",
        "gpfs",
        "fuse.s3fs",
        "fuse.gcsfuse",
    }
)


def network_fs(path: Path) -> str | None:
    """The filesystem type of `path` when it is a network one (from the mount table; None where unknown)."""
    try:
        lines = MOUNTS.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    target = path.resolve()
    best: tuple[int, str] = (-1, "")
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        mount = Path(fields[1].replace("\\040", " "))
        if (target == mount or mount in target.parents) and len(mount.parts) > best[0]:
            best = (len(mount.parts), fields[2])
    return best[1] if best[1] in NETWORK_FILESYSTEMS else None
