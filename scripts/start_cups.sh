#!/usr/bin/env bash
# Start a CUPS scheduler with a cups-pdf queue for the printing tests (reference/toolchain.md §5).
# Containers have no systemd and the package's postinst may not start cupsd, so it is started
# by hand in the background; its PID is kept in /tmp/cupsd.pid. Idempotent: a running
# scheduler and an existing queue are left as they are.
# Prints the folder where cups-pdf writes its files (STATION_CUPS_PDF_DIR for the tests).
set -euo pipefail

queue="${STATION_CUPS_PRINTER:-PDF}"
out_dir="${STATION_CUPS_PDF_DIR:-/tmp/cups-out}"

# cups-pdf writes to ${HOME}/PDF by default (root's HOME); a fixed, world-writable folder
# lets the tests find the printed file whoever runs them. Read on every job: no restart.
mkdir -p "$out_dir" && chmod 1777 "$out_dir"
sed -i "s|^#\?Out .*|Out $out_dir|" /etc/cups/cups-pdf.conf

if ! lpstat -r 2>/dev/null | grep -q "is running"; then
    cupsd -f >/tmp/cupsd.log 2>&1 &
    echo $! >/tmp/cupsd.pid
    for _ in $(seq 50); do
        lpstat -r 2>/dev/null | grep -q "is running" && break
        sleep 0.1
    done
fi
lpstat -r | grep -q "is running" || { echo "cupsd did not start; see /tmp/cupsd.log" >&2; exit 1; }

if ! lpstat -p "$queue" >/dev/null 2>&1; then
    # "Printer drivers are deprecated" is printed here; it is a warning only.
    lpadmin -p "$queue" -E -v cups-pdf:/ -P /usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd 2>/dev/null
fi
echo "$out_dir"
