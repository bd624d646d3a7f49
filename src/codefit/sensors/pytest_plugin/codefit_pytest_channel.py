"""The report channel of codefit's pytest runs: signed, chained records on a descriptor.

The descriptor is opened by the boot module before any code under test is imported, and the key
arrives on stdin (never in the environment, which `/proc/self/environ` keeps). Each line is
`<mac> <json>` where the MAC covers the previous line's MAC and this record: a line written by
anything else, a line removed or reordered, all break the chain, and the sensor then reads the
whole run as tampered. The functions used are bound here once, so replacing `json.dumps` or
`os.write` later changes nothing that is written.

Self-contained: it runs in the environment of the code under test, where codefit may be absent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Callable

Send = Callable[[dict[str, object]], None]


def open_channel(fd: int, key: bytes) -> Send:
    """A function that writes one signed record per call to `fd`."""
    dumps, write, new_mac, digest = json.dumps, os.write, hmac.new, hashlib.sha256
    keyed = new_mac(key, digestmod=digest)
    previous = [b""]

    def send(record: dict[str, object]) -> None:
        body = dumps(record, separators=(",", ":"), default=str).encode()
        mac = keyed.copy()
        mac.update(previous[0] + b"\n" + body)
        signature = mac.hexdigest().encode()
        previous[0] = signature
        write(fd, signature + b" " + body + b"\n")

    return send
