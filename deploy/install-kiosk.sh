#!/usr/bin/env bash
# Installs the TenantConsent kiosk on this machine (run as root from the project folder).
# Creates the unprivileged user `tenantkiosk` with no login shell, builds and installs `consent`,
# Forms/ and Localization/, and enables the kiosk on tty1. See docs/kiosk.md.
# With --web: the web kiosk instead, served on 127.0.0.1:8080, and Chromium in kiosk mode under cage on
# tty1 as the unprivileged user `tenantbrowser` (Debian packages cage, chromium, espeak-ng, fonts-noto-core).
set -euo pipefail
cd "$(dirname "$0")/.."
web=no
[ "${1:-}" = "--web" ] && web=yes
# The release build packs its relocations (DT_RELR), which glibc loads from 2.36 on (Debian 12).
glibc=$(getconf GNU_LIBC_VERSION | awk '{print $2}')
if [ "$(printf '%s\n2.36\n' "$glibc" | sort -V | head -n1)" != 2.36 ]; then
  echo "install-kiosk: this machine has glibc $glibc; the kiosk needs 2.36 or later (Debian 12). Upgrade the system first." >&2
  exit 1
fi
id tenantkiosk >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /var/lib/tenantconsent --shell /usr/sbin/nologin tenantkiosk
swift build -c release --product consent
install -m 0755 .build/release/consent /usr/local/bin/consent
install -d -m 0755 /usr/local/share/tenantconsent /usr/local/share/tenantconsent/docs
cp -r Forms Localization /usr/local/share/tenantconsent/
install -m 0644 docs/kiosk.md /usr/local/share/tenantconsent/docs/kiosk.md
install -d -m 0700 -o tenantkiosk -g tenantkiosk /var/lib/tenantconsent
if [ ! -f /var/lib/tenantconsent/consent.sqlite ]; then
  runuser -u tenantkiosk -- env CONSENT_FORMS=/usr/local/share/tenantconsent/Forms \
    CONSENT_LOCALIZATION=/usr/local/share/tenantconsent/Localization \
    /usr/local/bin/consent init --db /var/lib/tenantconsent/consent.sqlite
fi
if [ "$web" = yes ]; then
  id tenantbrowser >/dev/null 2>&1 || useradd --system --no-create-home --home-dir /var/lib/tenantconsent-browser --shell /usr/sbin/nologin tenantbrowser
  # The browser's user needs the seat: video and input devices for cage.
  usermod -a -G video,input tenantbrowser
  install -m 0644 deploy/tenantconsent-web-kiosk.service deploy/tenantconsent-kiosk-browser.service /etc/systemd/system/
  systemd-analyze verify /etc/systemd/system/tenantconsent-web-kiosk.service /etc/systemd/system/tenantconsent-kiosk-browser.service
  systemctl daemon-reload
  systemctl disable --now tenantconsent-kiosk.service 2>/dev/null || true
  systemctl disable getty@tty1.service || true
  systemctl enable --now tenantconsent-web-kiosk.service tenantconsent-kiosk-browser.service
else
  install -m 0644 deploy/tenantconsent-kiosk.service /etc/systemd/system/tenantconsent-kiosk.service
  systemd-analyze verify /etc/systemd/system/tenantconsent-kiosk.service
  systemctl daemon-reload
  systemctl disable --now tenantconsent-kiosk-browser.service tenantconsent-web-kiosk.service 2>/dev/null || true
  systemctl disable getty@tty1.service || true
  systemctl enable --now tenantconsent-kiosk.service
fi
echo "Kiosk enabled on tty1. Import the register with: runuser -u tenantkiosk -- consent import FILE.csv --db /var/lib/tenantconsent/consent.sqlite"
