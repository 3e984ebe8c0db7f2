"""Environment values for ${NAME} in the config, also from files named by NAME_FILE (container secrets)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

FILE_SUFFIX = "_FILE"
MAX_SECRET_BYTES = 64 * 1024  # a token or URL is tiny; a bigger file is a wrong path, not a secret


class SecretUnavailable(Exception):
    """NAME is not set (nor NAME_FILE), or NAME_FILE cannot be read; the message never holds the value."""


def env_value(name: str, env: Mapping[str, str]) -> str:
    """Return NAME from env, else the contents of the file NAME_FILE names (one trailing newline dropped)."""
    file_var = name + FILE_SUFFIX
    if name in env:
        if env.get(file_var):
            raise SecretUnavailable(f"both {name} and {file_var} are set; set only one")
        return env[name]
    path = env.get(file_var)
    if not path:
        raise SecretUnavailable(f"environment variable {name} is not set (nor {file_var})")
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_SECRET_BYTES + 1)
    except OSError as exc:
        raise SecretUnavailable(f"{file_var}: cannot read {path}: {exc.strerror or type(exc).__name__}") from None
    if len(data) > MAX_SECRET_BYTES:
        raise SecretUnavailable(f"{file_var}: {path} is larger than {MAX_SECRET_BYTES} bytes; is it the right file?")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretUnavailable(f"{file_var}: {path} is not UTF-8 text") from None
    return text.removesuffix("\n").removesuffix("\r")
