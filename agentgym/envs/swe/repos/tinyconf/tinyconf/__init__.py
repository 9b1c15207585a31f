"""tinyconf: a small INI-like config parser with typed values, interpolation and a writer."""

from .config import DEFAULT_SECTION, Config
from .errors import ConfigError
from .parser import parse
from .values import format_value, parse_value
from .writer import dump

__all__ = ["DEFAULT_SECTION", "Config", "ConfigError", "dump", "format_value", "parse", "parse_value"]
