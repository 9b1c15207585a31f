"""Route MuJoCo's C-level warnings to Python's ``warnings`` instead of a log file.

By default MuJoCo prints each warning and appends it to ``MUJOCO_LOG.TXT`` in the current
directory, so merely making an env leaves a file wherever the user stands. gymnasium's v5
models also trigger a compiler deprecation notice (``settotalmass``) that users cannot act on;
it goes to the debug log. A handler the user installed first is left alone.

Example:
    >>> import mujoco
    >>> install_warning_handler()
    >>> mujoco.get_mju_user_warning() is not None
    True
"""

from __future__ import annotations

import logging
import warnings

import mujoco

logger = logging.getLogger("agentgym.mujoco")

# Warnings about gymnasium's bundled XML, not about anything the user did.
_MODEL_NOTICES = ("'settotalmass' is deprecated",)


class MujocoWarning(RuntimeWarning):
    """A warning raised by the MuJoCo engine."""


def _handle(message: str) -> None:
    message = message.strip()
    if any(notice in message for notice in _MODEL_NOTICES):
        logger.debug("MuJoCo: %s", message)
    else:
        warnings.warn(f"MuJoCo: {message}", MujocoWarning, stacklevel=2)


def install_warning_handler() -> None:
    """Install the handler unless one is installed already (ours or the user's)."""
    if mujoco.get_mju_user_warning() is None:
        mujoco.set_mju_user_warning(_handle)
