"""Env families. Importing this registers every agentgym env (cheaply: entry points are lazy)."""

from . import minigrid as _minigrid
from . import mujoco as _mujoco
from . import swe as _swe
from . import textgames as _textgames
from . import webshop as _webshop
from .registration import CATALOG, EnvEntry, UnknownEnvError, make, register_env, resolve_env_id

for _family in (_minigrid, _mujoco, _textgames, _webshop, _swe):
    _family.register_envs(register_env)

__all__ = ["CATALOG", "EnvEntry", "UnknownEnvError", "make", "register_env", "resolve_env_id"]
