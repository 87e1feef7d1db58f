#!/bin/sh
# Wires TenantConsent's leak scanner into Postfix as an after-queue content filter on 127.0.0.1:
#   mail from the office (SMTP, submission) -> queue -> consent-mail-filter (pipe, as an unprivileged user)
#   -> `consent scan` -> clean: back into Postfix on 127.0.0.1:REINJECT_PORT (not filtered again) -> delivery
#                     -> blocked: bounced to the sender with the reason; scanner down: deferred, retried.
# Run as root after `consent scan index` has written the index and its key. Idempotent: run it again to change
# a setting. Needs Postfix (Debian's postfix) and python3. See docs/mail-filter.md.
set -eu

config_dir=/etc/postfix
consent=/usr/local/bin/consent
index=
key=
forms=
localization=
user=consentscan
libexec=/usr/local/lib/tenantconsent
reinject_port=10026
services=
processes=4
own_domains=

usage() {
  cat <<EOF
usage: $0 --index FILE [--key FILE] [--consent PATH] [--forms DIR --localization DIR]
          [--config-dir DIR] [--user NAME] [--libexec DIR] [--reinject-port PORT] [--service NAME]... [--processes N]
          [--own-domain DOMAIN]...
  --own-domain  a mail domain of the landlord or its processors: mail holding one tenant's data may go there
                (otherwise only to that tenant's own address in the register)
  --service     a master.cf inet service whose mail is checked (default: smtp, and submission when present)
  --config-dir  the Postfix configuration to change (default /etc/postfix)
EOF
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --index) index=$2; shift 2 ;;
    --key) key=$2; shift 2 ;;
    --consent) consent=$2; shift 2 ;;
    --forms) forms=$2; shift 2 ;;
    --localization) localization=$2; shift 2 ;;
    --config-dir) config_dir=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    --libexec) libexec=$2; shift 2 ;;
    --reinject-port) reinject_port=$2; shift 2 ;;
    --service) services="$services $2"; shift 2 ;;
    --processes) processes=$2; shift 2 ;;
    --own-domain) own_domains="$own_domains --own-domain $2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "install-mail-filter: unknown option $1" >&2; usage ;;
  esac
done

fail() { echo "install-mail-filter: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "run as root (it changes Postfix's configuration and creates the filter's user)"
[ -n "$index" ] || fail "give --index FILE (made by: consent scan index --db PATH --out FILE)"
[ -z "$key" ] && key="$index.key"
command -v postconf >/dev/null 2>&1 || fail "Postfix is not installed; run: apt-get install postfix"
command -v python3 >/dev/null 2>&1 || fail "python3 is needed for the filter; run: apt-get install python3"
[ -x "$consent" ] || fail "no consent program at $consent; give --consent PATH"
[ -r "$index" ] || fail "cannot read the index $index; build it with: consent scan index --db PATH --out $index"
[ -r "$key" ] || fail "cannot read the key file $key (it is written beside the index by consent scan index)"
[ -f "$config_dir/main.cf" ] || fail "no Postfix configuration in $config_dir (main.cf is missing)"

# The filter runs as its own unprivileged user, the only one (besides root) that can read the index key.
if ! id "$user" >/dev/null 2>&1; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
fi
chown "$user" "$index" "$key"
chmod 600 "$index" "$key"

here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$libexec"
install -m 755 "$here/consent-mail-filter" "$libexec/consent-mail-filter"

args="--consent $consent --index $index --key $key --reinject 127.0.0.1:$reinject_port"
[ -n "$forms" ] && args="$args --forms $forms"
[ -n "$localization" ] && args="$args --localization $localization"
[ -n "$own_domains" ] && args="$args$own_domains"

pc() { postconf -c "$config_dir" "$@"; }

# The filter: one pipe(8) delivery per message, never more than $processes at once.
pc -M "consentscan/unix=consentscan unix - n n - $processes pipe flags=q user=$user null_sender= argv=$libexec/consent-mail-filter $args -- \${sender} \${recipient}"
# Checked mail comes back here: loopback only, not filtered again, no rewriting twice.
pc -M "127.0.0.1:$reinject_port/inet=127.0.0.1:$reinject_port inet n - n - - smtpd"
pc -P "127.0.0.1:$reinject_port/inet/content_filter="
pc -P "127.0.0.1:$reinject_port/inet/receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters,no_address_mappings"
pc -P "127.0.0.1:$reinject_port/inet/smtpd_client_restrictions="
pc -P "127.0.0.1:$reinject_port/inet/smtpd_helo_restrictions="
pc -P "127.0.0.1:$reinject_port/inet/smtpd_sender_restrictions="
pc -P "127.0.0.1:$reinject_port/inet/smtpd_relay_restrictions="
pc -P "127.0.0.1:$reinject_port/inet/smtpd_recipient_restrictions=permit_mynetworks,reject"
pc -P "127.0.0.1:$reinject_port/inet/mynetworks=127.0.0.0/8"
pc -P "127.0.0.1:$reinject_port/inet/smtpd_authorized_xforward_hosts=127.0.0.0/8"
# Scans run one message at a time per process; a batch of recipients is one scan.
pc -e "consentscan_destination_recipient_limit=100"

# Mail from the office is sent through the filter.
if [ -z "$services" ]; then
  services=smtp
  pc -M submission/inet >/dev/null 2>&1 && [ -n "$(pc -M submission/inet)" ] && services="$services submission"
fi
for service in $services; do
  [ -n "$(pc -M "$service/inet")" ] || fail "no inet service $service in $config_dir/master.cf; give --service NAME"
  pc -P "$service/inet/content_filter=consentscan:dummy"
done

if postfix -c "$config_dir" status >/dev/null 2>&1; then
  postfix -c "$config_dir" reload >/dev/null
fi
echo "TenantConsent mail filter installed in $config_dir: mail through$services is checked by $consent (as $user); clean mail is re-injected on 127.0.0.1:$reinject_port."
