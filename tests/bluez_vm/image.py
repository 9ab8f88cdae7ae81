"""Building (once) and caching what the BlueZ guest boots: Debian's kernel, the modules it needs,
a busybox initramfs, and BlueZ's programs.

Nothing is installed on the host: ``bluez`` and ``linux-image-amd64`` pull in systemd and udev
when installed with apt, so their packages are fetched with ``apt-get download`` and unpacked
with ``dpkg -x`` into the cache. The guest mounts the host's root filesystem read-only, so
everything else (Python, the project's venv, dbus-daemon) is the host's own.

The cache lives under the venv (``.venv/bluez-vm-cache``, or ``$BLUEZ_VM_CACHE``), one folder per
kernel and BlueZ version, so a second run boots at once.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

#: Modules the guest loads, with their dependencies found in the modules' own ``depends=``
#: fields (the kernel package ships no modules.dep: depmod runs on install). The kernel's ECDH
#: self-test fails ("Unable to create ECDH crypto context") unless ctr, sha512_generic and drbg
#: (with its entropy source) are loaded before bluetooth.
GUEST_MODULES: Final = (
    "virtio_pci",
    "virtio_console",
    "9pnet_virtio",
    "9p",
    "overlay",
    "jitterentropy_rng",
    "ctr",
    "sha512_generic",
    "drbg",
    "cmac",
    "ecdh_generic",
    "bluetooth",
    "hci_uart",
)

#: What the host needs, and the Debian package that brings each.
HOST_TOOLS: Final = {"qemu-system-x86_64": "qemu-system-x86", "busybox": "busybox-static"}

_INIT: Final = r"""#!/bin/busybox sh
# Stage 1, in the initramfs: load the modules, mount the host's root read-only with a tmpfs
# overlay on top, and hand over to stage 2 (a script on the host's filesystem).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for module in $(cat /modules); do
    insmod /lib/modules/$module.ko || echo "bluez-vm: cannot load $module"
done
stage2=$(sed -n 's/.*bluezvm.stage2=\([^ ]*\).*/\1/p' /proc/cmdline)
mkdir -p /host /rw /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=524288 hostroot /host
mount -t tmpfs -o size=512m tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work /newroot
umount /proc /sys /dev
exec switch_root /newroot /bin/sh "$stage2"
"""


class GuestUnavailableError(RuntimeError):
    """The host lacks what the guest needs; the message says what to install."""


@dataclass(frozen=True)
class GuestImage:
    """What QEMU boots.

    Attributes:
        kernel: Debian's vmlinuz.
        initramfs: The busybox initramfs with the modules.
        bluez: Root of the unpacked ``bluez`` package (``usr/libexec/bluetooth/bluetoothd``,
            ``usr/bin/btattach``, ``usr/bin/btmon``, its D-Bus policy).
    """

    kernel: Path
    initramfs: Path
    bluez: Path


def cache_root() -> Path:
    """Where the images are kept: ``$BLUEZ_VM_CACHE`` or ``bluez-vm-cache`` in the venv."""
    configured = os.environ.get("BLUEZ_VM_CACHE")
    return Path(configured) if configured else Path(sys.prefix) / "bluez-vm-cache"


def missing_tools() -> list[str]:
    """The Debian packages to install before the guest can run (empty: none)."""
    missing = [package for tool, package in HOST_TOOLS.items() if shutil.which(tool) is None]
    busybox = shutil.which("busybox")
    if busybox is not None and not _is_static(Path(busybox)):
        missing.append("busybox-static")
    for tool in ("apt-get", "dpkg", "dbus-daemon"):
        if shutil.which(tool) is None:
            missing.append({"dbus-daemon": "dbus"}.get(tool, tool))
    return sorted(set(missing))


def _is_static(path: Path) -> bool:
    # An ELF with a PT_INTERP program header needs a dynamic loader the initramfs lacks.
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return False
    (phoff,) = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for index in range(phnum):
        (kind,) = struct.unpack_from("<I", data, phoff + index * phentsize)
        if kind == 3:
            return False
    return True


def _run(*argv: str, cwd: Path | None = None) -> str:
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise GuestUnavailableError(
            f"'{' '.join(argv)}' failed ({result.returncode}): {result.stderr.strip()[-500:]}"
        )
    return result.stdout


def _kernel_package() -> str:
    for raw in _run("apt-cache", "depends", "linux-image-amd64").splitlines():
        line = raw.strip()
        if line.startswith("Depends: linux-image-"):
            return line.split(": ", 1)[1]
    raise GuestUnavailableError(
        "apt-cache knows no linux-image-amd64: run 'apt-get update' and try again"
    )


def _version(package: str) -> str:
    for raw in _run("apt-cache", "policy", package).splitlines():
        line = raw.strip()
        if line.startswith("Candidate:"):
            return line.split(":", 1)[1].strip()
    raise GuestUnavailableError(f"apt-cache knows no {package}: run 'apt-get update'")


def module_order(modules_dir: Path, wanted: tuple[str, ...]) -> list[str]:
    """``wanted`` and everything they depend on, each after its dependencies.

    Raises:
        GuestUnavailableError: A module is not in ``modules_dir``.
    """
    files = {p.stem.replace("-", "_"): p for p in modules_dir.rglob("*.ko")}
    order: list[str] = []

    def depends(name: str) -> list[str]:
        if name not in files:
            raise GuestUnavailableError(f"the kernel package has no module {name}")
        data = files[name].read_bytes()
        start = data.find(b"\0depends=")
        if start < 0:
            return []
        start += len(b"\0depends=")
        value = data[start : data.index(b"\0", start)].decode()
        return [d.replace("-", "_") for d in value.split(",") if d]

    def visit(name: str) -> None:
        if name in order:
            return
        for dependency in depends(name):
            visit(dependency)
        order.append(name)

    for name in wanted:
        visit(name)
    return order


def _newc(entries: list[tuple[str, int, bytes]]) -> bytes:
    """A cpio archive in the kernel's newc format: (name, mode, data) for each entry."""
    out = bytearray()

    def add(name: str, mode: int, data: bytes, ino: int) -> None:
        encoded = name.encode() + b"\0"
        fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(encoded), 0)
        out.extend(b"070701" + b"".join(b"%08X" % f for f in fields) + encoded)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))

    for ino, (name, mode, data) in enumerate(entries, start=1):
        add(name, mode, data, ino)
    add("TRAILER!!!", 0, b"", 0)
    return bytes(out)


def _initramfs(modules_dir: Path, busybox: Path) -> bytes:
    order = module_order(modules_dir, GUEST_MODULES)
    files = {p.stem.replace("-", "_"): p for p in modules_dir.rglob("*.ko")}
    directory, regular, executable = 0o040755, 0o100644, 0o100755
    entries: list[tuple[str, int, bytes]] = [
        (name, directory, b"")
        for name in ("bin", "dev", "proc", "sys", "lib", "lib/modules", "host", "rw", "newroot")
    ]
    entries += [
        ("bin/busybox", executable, busybox.read_bytes()),
        ("init", executable, _INIT.encode()),
        ("modules", regular, "\n".join(order).encode() + b"\n"),
    ]
    entries += [(f"lib/modules/{m}.ko", regular, files[m].read_bytes()) for m in order]
    return _newc(entries)


def build(cache: Path | None = None) -> GuestImage:
    """The guest's image, built on first use and taken from the cache afterwards.

    Raises:
        GuestUnavailableError: A tool is missing or a package cannot be fetched.
    """
    missing = missing_tools()
    if missing:
        raise GuestUnavailableError(
            f"the BlueZ guest needs these Debian packages: apt-get install -y {' '.join(missing)}"
        )
    cache = cache or cache_root()
    kernel_package = _kernel_package()
    folder = cache / f"{kernel_package}_{_version(kernel_package)}+bluez_{_version('bluez')}"
    image = GuestImage(
        kernel=folder / "vmlinuz", initramfs=folder / "initramfs.img", bluez=folder / "bluez"
    )
    if (folder / "ready").exists():
        return image
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".building-") as temp:
        work = Path(temp)
        _run("apt-get", "download", kernel_package, "bluez", cwd=work)
        debs = {p.name.split("_", 1)[0]: p for p in work.glob("*.deb")}
        _run("dpkg", "-x", str(debs[kernel_package]), str(work / "kernel"))
        _run("dpkg", "-x", str(debs["bluez"]), str(work / "bluez"))
        modules_dir = next((work / "kernel/lib/modules").iterdir())
        vmlinuz = next((work / "kernel/boot").glob("vmlinuz-*"))
        busybox = shutil.which("busybox")
        assert busybox is not None
        staged = work / "image"
        staged.mkdir()
        shutil.copy(vmlinuz, staged / "vmlinuz")
        (staged / "initramfs.img").write_bytes(_initramfs(modules_dir, Path(busybox)))
        (work / "bluez").rename(staged / "bluez")
        (staged / "ready").touch()
        if folder.exists():
            shutil.rmtree(folder)
        staged.rename(folder)
    return image


if __name__ == "__main__":
    built = build()
    print(f"kernel {built.kernel}\ninitramfs {built.initramfs}\nbluez {built.bluez}")
