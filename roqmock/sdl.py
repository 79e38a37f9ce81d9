"""Where the SDL lives: inside the installed wheel, or beside the package in a checkout."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

SDL_NAME = "roq.graphql"


def sdl_path() -> Path:
    packaged = resources.files("roqmock").joinpath("schema", SDL_NAME)
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "schema" / SDL_NAME


@cache
def load_sdl() -> str:
    return sdl_path().read_text(encoding="utf-8")
