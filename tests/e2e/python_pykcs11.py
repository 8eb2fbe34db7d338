#!/usr/bin/python3
"""PyKCS11 (Debian python3-pykcs11): list slots, log in, sign, and check the
signature with OpenSSL against the certificate read from the token."""
import os
import subprocess
import sys
import tempfile

import PyKCS11

lib = PyKCS11.PyKCS11Lib()
lib.load(os.environ["JPKI_PKCS11_MODULE"])
slots = lib.getSlotList(tokenPresent=True)
labels = [lib.getTokenInfo(s).label.strip() for s in slots]
assert labels == ["JPKI User Authentication", "JPKI Digital Signature"], labels

session = lib.openSession(slots[0])
session.login(os.environ["JPKI_AUTH_PIN"])
key = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_ID, (1,))])[0]
cert = session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE), (PyKCS11.CKA_ID, (1,))])[0]
der = bytes(session.getAttributeValue(cert, [PyKCS11.CKA_VALUE])[0])
message = b"signed from Python"
signature = bytes(session.sign(key, message, PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS, None)))
session.logout()
session.closeSession()

with tempfile.TemporaryDirectory() as work:
    paths = {name: os.path.join(work, name) for name in ("cert.der", "pub.pem", "msg", "sig")}
    for name, data in (("cert.der", der), ("msg", message), ("sig", signature)):
        with open(paths[name], "wb") as f:
            f.write(data)
    subprocess.run(["openssl", "x509", "-inform", "DER", "-in", paths["cert.der"], "-pubkey", "-noout",
                    "-out", paths["pub.pem"]], check=True)
    result = subprocess.run(["openssl", "dgst", "-sha256", "-verify", paths["pub.pem"], "-signature", paths["sig"],
                             paths["msg"]], capture_output=True, text=True)
    if "Verified OK" not in result.stdout:
        sys.exit("FAIL: OpenSSL rejected the PyKCS11 signature: " + result.stdout + result.stderr)
print("PASS: PyKCS11 lists both tokens, logs in, signs; OpenSSL verifies")
