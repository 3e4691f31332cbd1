#!/usr/bin/env bash
# Makes a throw-away certificate authority and the key stores client TLS needs (docs/security.md,
# "Client TLS"), with the JDK's keytool only. FOR TESTS AND TRIALS: the CA's key sits beside the
# stores, and every store shares one password.
#
#   scripts/make-test-ca.sh [--dir DIR] [--host NAME_OR_IP]... [--password-file FILE] [--days N]
#
# Writes into DIR (default ./tls), which must not hold these files yet:
#   ca.p12          the CA's key and certificate (keep it to sign more certificates)
#   ca.pem          the CA's certificate
#   server.p12      the node's key and certificate, for dynamo.thrift.tls.key-store; its names are
#                   localhost, 127.0.0.1, ::1 and every --host
#   truststore.p12  the CA's certificate: a client's --tls-trust-store, and the node's
#                   dynamo.thrift.tls.trust-store when clients must present certificates
#   client.p12      a client's key and certificate (CN=dynamo-client), for --tls-key-store
#   password        the password of every store (from --password-file, else random), mode 600
# Needs keytool: $JAVA_HOME/bin/keytool, else keytool on the PATH.
set -euo pipefail

usage() {
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}

dir=tls
days=365
hosts=()
password_file=
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dir) dir=${2:?--dir needs a directory}; shift 2 ;;
    --host) hosts+=("${2:?--host needs a name or address}"); shift 2 ;;
    --password-file) password_file=${2:?--password-file needs a file}; shift 2 ;;
    --days) days=${2:?--days needs a number}; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "make-test-ca.sh: unknown argument $1" >&2; usage ;;
  esac
done

if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/keytool" ]]; then
  keytool="$JAVA_HOME/bin/keytool"
elif command -v keytool >/dev/null; then
  keytool=keytool
else
  echo "make-test-ca.sh: keytool not found: set JAVA_HOME to a JDK or put keytool on the PATH" >&2
  exit 1
fi

mkdir -p "$dir"
for f in ca.p12 ca.pem server.p12 truststore.p12 client.p12 password; do
  if [[ -e "$dir/$f" ]]; then
    echo "make-test-ca.sh: $dir/$f exists; choose another --dir or remove it" >&2
    exit 1
  fi
done

umask 077
if [[ -n "$password_file" ]]; then
  password=$(head -n 1 "$password_file")
else
  password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
fi
if [[ ${#password} -lt 6 ]]; then
  echo "make-test-ca.sh: the password must have at least 6 characters (keytool's minimum)" >&2
  exit 1
fi
printf '%s\n' "$password" > "$dir/password"

san="dns:localhost,ip:127.0.0.1,ip:::1"
for h in "${hosts[@]}"; do
  if [[ "$h" =~ ^[0-9.]+$ || "$h" == *:* ]]; then san+=",ip:$h"; else san+=",dns:$h"; fi
done

# keytool reads the password from the environment, so that it never shows in the process list.
export DYNAMO_TEST_CA_PASSWORD="$password"
kt() { # keytool, quiet unless it fails; a small quick-starting JVM
  local out
  if ! out=$("$keytool" -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC "$@" \
    -storepass:env DYNAMO_TEST_CA_PASSWORD -storetype PKCS12 -noprompt 2>&1); then
    echo "make-test-ca.sh: keytool $1 failed: $out" >&2
    exit 1
  fi
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The CA: a self-signed certificate allowed to sign others.
kt -genkeypair -keystore "$dir/ca.p12" -alias ca -keyalg EC -groupname secp256r1 \
  -dname "CN=dynamo-kv test CA" -ext bc:c -validity "$days"
kt -exportcert -rfc -keystore "$dir/ca.p12" -alias ca -file "$dir/ca.pem"
kt -importcert -keystore "$dir/truststore.p12" -alias dynamo-test-ca -file "$dir/ca.pem"

# One key store holding a key, its certificate signed by the CA, and the CA's certificate.
signed() { # file alias dname ext...
  local store=$1 alias=$2 dname=$3
  shift 3
  kt -genkeypair -keystore "$store" -alias "$alias" -keyalg EC -groupname secp256r1 \
    -dname "$dname" -validity "$days"
  kt -certreq -keystore "$store" -alias "$alias" -file "$work/$alias.csr"
  kt -gencert -keystore "$dir/ca.p12" -alias ca -infile "$work/$alias.csr" -rfc \
    -outfile "$work/$alias.pem" -validity "$days" "$@"
  kt -importcert -keystore "$store" -alias ca -file "$dir/ca.pem"
  kt -importcert -keystore "$store" -alias "$alias" -file "$work/$alias.pem"
}

signed "$dir/server.p12" server "CN=dynamo-node" -ext "san=$san" -ext eku=serverAuth \
  -ext ku:c=digitalSignature
signed "$dir/client.p12" client "CN=dynamo-client" -ext eku=clientAuth -ext ku:c=digitalSignature

echo "made in $dir: ca.p12, ca.pem, server.p12 ($san), truststore.p12, client.p12; password in $dir/password"
