"""A PKCS#11 token for the tests: SoftHSM 2 (Debian's ``softhsm2``) with its token directory in a temporary
folder, holding a signing key and its certificate chain the way a licensed CA's USB token does.

    token = Token.create(folder, label="skhcn", pin="123456")
    token.put(credential, label="agency")      # key pair + certificate + the chain's certificates
    source = token.source("agency")             # "pkcs11:/usr/lib/softhsm/libsofthsm2.so#skhcn#agency"

SoftHSM reads ``SOFTHSM2_CONF`` when its library is first loaded in a process: create one token directory per
test session, before anything opens the library.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
           "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so")


def find_module() -> str | None:
    return next((path for path in MODULES if Path(path).exists()), None)


@dataclass
class Token:
    folder: Path
    label: str
    pin: str
    module: str

    @classmethod
    def create(cls, folder: Path, *, label: str = "tinhso", pin: str = "123456", so_pin: str = "87654321"
               ) -> Token:
        module, tool = find_module(), shutil.which("softhsm2-util")
        if module is None or tool is None:
            raise RuntimeError("SoftHSM 2 is not installed: apt-get install softhsm2")
        (folder / "tokens").mkdir(parents=True, exist_ok=True)
        conf = folder / "softhsm2.conf"
        conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
        os.environ["SOFTHSM2_CONF"] = str(conf)
        subprocess.run([tool, "--init-token", "--free", "--label", label, "--so-pin", so_pin, "--pin", pin],
                       check=True, capture_output=True)
        return cls(folder, label, pin, module)

    def put(self, credential, *, label: str, object_id: bytes = b"\x01") -> None:
        """The credential's private key and certificate under ``label``, and its chain's certificates."""
        import pkcs11
        from cryptography.hazmat.primitives import serialization
        from pkcs11 import Attribute, CertificateType, ObjectClass

        key = self.folder / f"{label}.pem"
        key.write_bytes(credential.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption()))
        try:
            subprocess.run(["softhsm2-util", "--import", str(key), "--token", self.label, "--label", label,
                            "--id", object_id.hex(), "--pin", self.pin], check=True, capture_output=True)
        finally:
            key.unlink()
        token = pkcs11.lib(self.module).get_token(token_label=self.label)
        with token.open(rw=True, user_pin=self.pin) as session:
            for n, certificate in enumerate([credential.certificate, *credential.chain]):
                session.create_object({
                    Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True, Attribute.LABEL: label if n == 0 else f"{label}-ca{n}",
                    Attribute.ID: object_id if n == 0 else bytes([0x80 + n]),
                    Attribute.SUBJECT: certificate.subject.public_bytes(),
                    Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER)})

    def source(self, label: str) -> str:
        """The signing key source the platform's settings name it by."""
        return f"pkcs11:{self.module}#{self.label}#{label}"
