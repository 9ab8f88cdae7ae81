#!/bin/sh
# Stage 2 of the BlueZ guest, PID 1 on the overlay of the host's root: start the system bus,
# attach the virtual air's controller (serial port ttyS1) as hci0, start bluetoothd and btmon,
# then the command agent the tests drive. When the agent exits, PID 1 exits and QEMU
# (-no-reboot, panic=-1) stops.
set -u
arg() { sed -n "s/.*bluezvm\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
# No tmpfs over /tmp: the project may live there (CI clones it anywhere), and the overlay already
# keeps the guest's writes to itself.
mkdir -p /out /var/lib/bluetooth /run/dbus /run/bluez-vm
mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 out /out
exec >/out/guest.log 2>&1
echo "bluez-vm: stage 2 at $(cut -d' ' -f1 /proc/uptime) s"

BLUEZ=$(arg bluez)
PYTHON=$(arg python)
AGENT=$(arg agent)
hostname bluez-vm

cp "$BLUEZ/usr/share/dbus-1/system.d/bluetooth.conf" /etc/dbus-1/system.d/ 2>/dev/null ||
    cp "$BLUEZ/etc/dbus-1/system.d/bluetooth.conf" /etc/dbus-1/system.d/
dbus-daemon --system --fork --nopidfile
# bluetoothd powers the adapter on only when told to (no main.conf on the host).
mkdir -p /etc/bluetooth
printf '[Policy]\nAutoEnable=true\n' >/etc/bluetooth/main.conf

"$BLUEZ/usr/bin/btattach" -B /dev/ttyS1 -P h4 >/out/btattach.log 2>&1 &
while [ ! -e /sys/class/bluetooth/hci0 ]; do sleep 0.1; done
"$BLUEZ/usr/bin/btmon" -w /out/btmon.snoop >/dev/null 2>&1 &
"$BLUEZ/usr/libexec/bluetooth/bluetoothd" -n -d -E >/out/bluetoothd.log 2>&1 &
echo "bluez-vm: bluetoothd started at $(cut -d' ' -f1 /proc/uptime) s"

"$PYTHON" "$AGENT"
echo "bluez-vm: agent exited at $(cut -d' ' -f1 /proc/uptime) s"
sync
