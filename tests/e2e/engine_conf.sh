# Sourced by the OpenSSL-engine tests: write_engine_conf FILE writes an
# OPENSSL_CONF that loads Debian's libp11 engine with $JPKI_PKCS11_MODULE.
write_engine_conf() {
  local engine
  engine=$(find /usr/lib/*/engines-3 -name pkcs11.so | head -n1)
  [[ -n $engine ]] || { echo "FAIL: libengine-pkcs11-openssl is not installed" >&2; return 1; }
  cat >"$1" <<CNF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $engine
MODULE_PATH = $JPKI_PKCS11_MODULE
init = 0
CNF
}
