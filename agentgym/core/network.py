"""Loopback checks for the servers agentgym runs (the LLM endpoint, the WebShop pages): none has authentication.

Example:
    >>> [is_loopback_host(h) for h in ("127.0.0.1", "localhost", "[::1]", "0.0.0.0", "example.com")]
    [True, True, True, False, False]
    >>> check_host("0.0.0.0", risk="run the model")
    Traceback (most recent call last):
    ...
    ValueError: refusing to serve on '0.0.0.0': the server has no authentication, so anyone who can reach that address could run the model. Use 127.0.0.1 (the default), or pass --allow-remote (allow_remote=True in Python) if you mean to expose it, e.g. on a trusted network or behind a proxy with auth.
"""

from __future__ import annotations

import ipaddress


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals (127.0.0.0/8, ::1)."""
    host = host.strip().strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_host(host: str, allow_remote: bool = False, *, risk: str = "use it") -> None:
    """Refuse a non-loopback ``host`` unless ``allow_remote``; ``risk`` says what a stranger could do."""
    if not allow_remote and not is_loopback_host(host):
        raise ValueError(
            f"refusing to serve on {host!r}: the server has no authentication, so anyone who can reach that address "
            f"could {risk}. Use 127.0.0.1 (the default), or pass --allow-remote (allow_remote=True in Python) if you "
            f"mean to expose it, e.g. on a trusted network or behind a proxy with auth.")
