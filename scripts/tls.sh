#!/usr/bin/env bash
# A local CA and Trino's certificate, for the stacks whose Trino authenticates its clients (the
# Kubernetes stacks; see QueryEngineProps.authentication). Idempotent: keeps what is there while
# the certificate is signed by the CA, names the hosts below and is valid for 30 more days.
#
#   LAKEHOUSE_TLS_DIR   where the files go (default ~/.config/lakehouse-cdc/tls):
#                       ca.pem, ca-key.pem, trino.pem, trino-key.pem (keys readable by you only)
#
# The certificate names `trino` (the service name every client in a stack uses, on Docker and in
# any Kubernetes namespace) and `localhost`/127.0.0.1 (port-forwards to this machine). Supply your
# own PKI's files instead by putting them there, or by setting the construct prop.
set -euo pipefail

DIR="${LAKEHOUSE_TLS_DIR:-$HOME/.config/lakehouse-cdc/tls}"
HOSTS="DNS:trino,DNS:localhost,IP:127.0.0.1"

LOG_TAG=tls
# shellcheck source=scripts/lib/log.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/log.sh"

command -v openssl >/dev/null 2>&1 || { log "openssl is not installed (Debian: apt-get install openssl)"; exit 1; }
mkdir -p "$DIR"
chmod 700 "$DIR"
cd "$DIR"

current() {
  [[ -s ca.pem && -s trino.pem && -s trino-key.pem ]] &&
    openssl verify -CAfile ca.pem trino.pem >/dev/null 2>&1 &&
    openssl x509 -in trino.pem -noout -checkend $((30 * 86400)) >/dev/null &&
    openssl x509 -in trino.pem -noout -ext subjectAltName 2>/dev/null | tr -d ' \n' | grep -q "DNS:trino,DNS:localhost,IPAddress:127.0.0.1"
}

if current; then
  log "kept $DIR/trino.pem (valid until $(openssl x509 -in trino.pem -noout -enddate | cut -d= -f2))"
  exit 0
fi

umask 077
if [[ ! -s ca.pem || ! -s ca-key.pem ]] || ! openssl x509 -in ca.pem -noout -checkend $((400 * 86400)) >/dev/null; then
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca-key.pem
  openssl req -x509 -new -key ca-key.pem -sha256 -days 3650 -subj "/CN=lakehouse-cdc local CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out ca.pem
  log "made a CA: $DIR/ca.pem (10 years)"
fi
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out trino-key.pem
openssl req -new -key trino-key.pem -subj "/CN=trino" -out trino.csr
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$HOSTS" >trino.ext
openssl x509 -req -in trino.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 -days 397 -extfile trino.ext -out trino.pem 2>/dev/null
rm -f trino.csr trino.ext ca.srl
chmod 644 ca.pem trino.pem
log "made $DIR/trino.pem for $HOSTS (397 days), signed by $DIR/ca.pem"
