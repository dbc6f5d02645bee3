#!/usr/bin/env python3
"""Generates the crafted frames under tests/data/e2e/ (run by hand; the output is checked in).

The e2e tests need a second good frame from the same meter after a reconnect, and the
exporter refuses a frame whose DLMS invocation counter (IC) does not increase. This script
takes the decrypted APDU of the AT-TINETZ-KFM-DOC-EXAMPLE vector (plaintext.hex), changes
two values (voltage L1 230.8 V -> 231.4 V, energy A+ 9108 Wh -> 9109 Wh; same lengths),
and encrypts it again with the vector's key under IC + 1, as security suite 0 with SC 0x21
(encryption only, no tag): the ciphertext is AES-CTR starting at counter block
system-title || IC || 00000002 (AES-GCM without its tag). It then cuts the APDU into the
same two M-Bus long frames as the original (L=0xFA with CI 0x00, L=0x26 with CI 0x11).

The encryption is checked first against the original frame (same IC must give the
published bytes), so a mistake here cannot produce a frame that merely looks plausible.

It also writes tests/data/faults/frames.json, the crafted frames of the fault-injection
suite (tests/faults/): more TINETZ frames (a counter restarted by a meter reboot, a frame
under the wrong key, an older run of counters, another system title) and DK-KAM-OMNIPOWER-TESTKEYS frames (HDLC, SC 0x30: encrypted and
authenticated, 12-byte GCM tag) with higher counters. Each construction is self-checked
against its vector the same way.

Needs the `cryptography` module (Debian: python3-cryptography) for encryption only. The
tests do not: they read the generated files, and import the stdlib-only helpers here
(read_hex, mbus_frames, hdlc_reframe, replace_once) to build plaintext frames.

    python3 tests/e2e/make_frames.py   # rewrites tests/data/e2e/tinetz_next.hex and
                                       # tests/data/faults/frames.json
"""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE.parent / "data"
VECTOR = DATA / "vectors" / "AT-TINETZ-KFM-DOC-EXAMPLE"
KAM = DATA / "vectors" / "DK-KAM-OMNIPOWER-TESTKEYS"
OUT = DATA / "e2e" / "tinetz_next.hex"
FAULTS_OUT = DATA / "faults" / "frames.json"
TINETZ_TITLE = bytes.fromhex("4B464D1010000023")
TINETZ_IC = 0x00295B9A
KAM_TITLE = bytes.fromhex("4B414D4501349083")
KAM_IC = 0x010F60A4


def read_hex(path):
    text = "".join(line for line in path.read_text().splitlines() if not line.startswith("#"))
    return bytes.fromhex("".join(text.split()))


def encrypt(key, system_title, ic, plaintext):
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    iv = system_title + ic.to_bytes(4, "big") + b"\x00\x00\x00\x02"
    enc = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return enc.update(plaintext) + enc.finalize()


def tagged_security_apdu(key, auth_key, system_title, ic, plaintext):
    """Security suite 0, SC 0x30: AES-GCM over the plaintext with AAD = SC || AK, tag cut
    to 12 bytes (IEC 62056-5-3 general-glo-ciphering as the Kamstrup meter sends it)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    nonce = system_title + ic.to_bytes(4, "big")
    sealed = AESGCM(key).encrypt(nonce, plaintext, bytes([0x30]) + auth_key)
    body = bytes([0x30]) + ic.to_bytes(4, "big") + sealed[:-16] + sealed[-16:-4]
    assert 0x100 <= len(body) <= 0xFFFF
    return bytes([0xDB, 0x08]) + system_title + bytes([0x82]) + len(body).to_bytes(2, "big") + body


def security_apdu(key, system_title, ic, plaintext):
    body = bytes([0x21]) + ic.to_bytes(4, "big") + encrypt(key, system_title, ic, plaintext)
    assert 0x100 <= len(body) <= 0xFFFF
    return bytes([0xDB, 0x08]) + system_title + bytes([0x82]) + len(body).to_bytes(2, "big") + body


def mbus_frames(apdu, chunk=245):
    out = b""
    seq = 0
    for pos in range(0, len(apdu), chunk):
        part = apdu[pos:pos + chunk]
        last = pos + len(part) == len(apdu)
        ci = (seq & 0x0F) | (0x10 if last else 0)
        body = bytes([0x53, 0xFF, ci, 0x01, 0x67]) + part
        out += bytes([0x68, len(body), len(body), 0x68]) + body + bytes([sum(body) & 0xFF, 0x16])
        seq += 1
    return out


def crc16_x25(data):
    """CRC-16/X-25 (HDLC HCS and FCS), transmitted low byte first."""
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return (crc ^ 0xFFFF).to_bytes(2, "little")


def hdlc_reframe(frame, info):
    """A copy of one HDLC type-3 frame (7E .. 7E, addresses and control kept) carrying
    `info` as its information field, with length, HCS and FCS computed anew."""
    assert frame[0] == 0x7E and frame[-1] == 0x7E and frame[1] & 0xF0 == 0xA0
    # The header ends with the control byte; addresses end at the first odd byte.
    pos = 3
    for _ in range(2):
        while not frame[pos] & 1:
            pos += 1
        pos += 1
    header_end = pos + 1  # format(2) + addresses + control
    total = header_end - 1 + 2 + len(info) + 2  # without the flags
    header = bytes([0xA0 | (frame[1] & 0x08) | (total >> 8), total & 0xFF]) + frame[3:header_end]
    header += crc16_x25(header)
    body = header + info
    return b"\x7e" + body + crc16_x25(body) + b"\x7e"


def hdlc_info(frame):
    """The information field of one HDLC frame built like the vectors (see hdlc_reframe)."""
    pos = 3
    for _ in range(2):
        while not frame[pos] & 1:
            pos += 1
        pos += 1
    return frame[pos + 1 + 2:-3]


def replace_once(data, old, new):
    """data with the single occurrence of `old` replaced by `new` (same length)."""
    assert len(old) == len(new)
    at = bytes(data).find(old)
    assert at >= 0 and bytes(data).find(old, at + 1) < 0, old.hex()
    return bytes(data[:at]) + new + bytes(data[at + len(old):])


def tinetz_plaintext(voltage_decivolts, energy_wh):
    plaintext = read_hex(VECTOR / "plaintext.hex")
    voltage = bytes.fromhex("0100200700ff120904")   # OBIS 1.0.32.7.0.255, uint16 2308
    energy = bytes.fromhex("0100010800ff0600002394")  # OBIS 1.0.1.8.0.255, uint32 9108
    plaintext = replace_once(plaintext, voltage,
                             voltage[:-2] + voltage_decivolts.to_bytes(2, "big"))
    return replace_once(plaintext, energy, energy[:-4] + energy_wh.to_bytes(4, "big"))


def kam_plaintext(voltage_l1):
    voltage = bytes.fromhex("09060101200700ff1200de")  # OBIS 1.1.32.7.0.255, uint16 222 V
    return replace_once(read_hex(KAM / "plaintext.hex"), voltage,
                        voltage[:-2] + voltage_l1.to_bytes(2, "big"))


def fault_frames():
    """The crafted frames of tests/faults/, self-checked against their vectors."""
    key = read_hex(VECTOR / "key.hex")
    if mbus_frames(security_apdu(key, TINETZ_TITLE, TINETZ_IC,
                                 tinetz_plaintext(2308, 9108))) != read_hex(VECTOR / "input.hex"):
        sys.exit("self-check failed: cannot reproduce the original TINETZ frame")
    kam_key, kam_auth = read_hex(KAM / "key.hex"), read_hex(KAM / "auth-key.hex")
    kam_input = read_hex(KAM / "input.hex")
    if hdlc_reframe(kam_input, b"\xe6\xe7\x00" + tagged_security_apdu(
            kam_key, kam_auth, KAM_TITLE, KAM_IC, kam_plaintext(222))) != kam_input:
        sys.exit("self-check failed: cannot reproduce the original DK-KAM frame")

    frames = {}

    def tinetz(name, ic, volts, wh, note, frame_key=key):
        frames[name] = {"vector": VECTOR.name, "invocation_counter": ic, "note": note,
                        "voltage_l1": volts / 10, "energy_import_wh": wh,
                        "hex": mbus_frames(security_apdu(frame_key, TINETZ_TITLE, ic,
                                                         tinetz_plaintext(volts, wh))).hex().upper()}

    tinetz("tinetz_wrong_key", TINETZ_IC + 1, 2314, 9109,
           "TINETZ under the wrong key 000102..0F: CTR garbage, reported as decrypt",
           frame_key=bytes(range(16)))
    for k in range(1, 6):
        tinetz(f"tinetz_reboot_{k}", k, 2320 + k, 9200 + k,
               "TINETZ after a meter reboot: the counter restarts at 1")
    for k in range(1, 6):
        tinetz(f"tinetz_old_run_{k}", TINETZ_IC - 10000 + k, 2290 + k, 8000 + k,
               "TINETZ recorded 10,000 frames earlier: an older, increasing run played back")
    frames["tinetz_other_title"] = {
        "vector": VECTOR.name, "invocation_counter": TINETZ_IC + 1, "voltage_l1": 240.0,
        "energy_import_wh": 9109,
        "note": "TINETZ plaintext under the vector's key but system title KFM1010000024",
        "hex": mbus_frames(security_apdu(key, TINETZ_TITLE[:7] + b"\x24", TINETZ_IC + 1,
                                         tinetz_plaintext(2400, 9109))).hex().upper()}
    for k in (1, 2):
        ic = KAM_IC + k
        frames[f"kam_next_{k}"] = {
            "vector": KAM.name, "invocation_counter": ic, "voltage_l1": 222 + k,
            "note": f"DK-KAM with IC + {k}, voltage L1 {222 + k} V (was 222), SC 0x30 (tagged)",
            "hex": hdlc_reframe(kam_input, b"\xe6\xe7\x00" + tagged_security_apdu(
                kam_key, kam_auth, KAM_TITLE, ic, kam_plaintext(222 + k))).hex().upper()}
    return frames


def main():
    key = read_hex(VECTOR / "key.hex")
    original = read_hex(VECTOR / "input.hex")
    # Self-check: re-encrypting the published plaintext under the published IC must give
    # the published frame byte for byte.
    if mbus_frames(security_apdu(key, TINETZ_TITLE, TINETZ_IC,
                                 read_hex(VECTOR / "plaintext.hex"))) != original:
        sys.exit("self-check failed: cannot reproduce the original TINETZ frame")

    frames = mbus_frames(security_apdu(key, TINETZ_TITLE, TINETZ_IC + 1,
                                       tinetz_plaintext(2314, 9109)))
    assert len(frames) == len(original)
    lines = [
        "# AT-TINETZ-KFM-DOC-EXAMPLE with the next invocation counter (IC 0x00295B9B = 2710427),",
        "# generated by tests/e2e/make_frames.py from the vector's plaintext.hex and key.hex:",
        "# voltage L1 231.4 V (was 230.8), energy A+ 9109 Wh (was 9108), other values unchanged.",
        "# Two M-Bus long frames (L=0xFA CI=0x00, L=0x26 CI=0x11), SC 0x21, same key as the vector.",
    ]
    hexed = frames.hex().upper()
    lines += [hexed[i:i + 64] for i in range(0, len(hexed), 64)]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT} ({len(frames)} bytes)")

    FAULTS_OUT.parent.mkdir(parents=True, exist_ok=True)
    FAULTS_OUT.write_text(json.dumps(fault_frames(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {FAULTS_OUT}")


if __name__ == "__main__":
    main()
