"""Settings read once from arguments or ``BRANDLAB_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_WORKSPACE = Path(".brandlab") / "workspace.duckdb"
TIMEZONE = "Asia/Shanghai"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as err:
        raise ValueError(f"{name}={raw!r} is not an integer; set it to a whole number or unset it") from err


@dataclass(frozen=True)
class Settings:
    """Run-wide settings. Build with :meth:`from_env` and override with :meth:`with_`."""

    workspace: Path = DEFAULT_WORKSPACE
    #: Smallest group for which an aggregate is reported without a SmallSampleWarning.
    min_group_size: int = 30
    #: Bootstrap replications for confidence intervals.
    n_boot: int = 1000
    #: Seed for every random step.
    seed: int = 20201030
    #: Threads for model inference (0 = library default).
    threads: int = 0
    #: Pseudonymise nicknames and user ids in reports and exports.
    pseudonymise: bool = True
    #: Salt for pseudonyms, so the same id maps to the same pseudonym within a workspace.
    pseudonym_salt: str = "brandlab"
    #: Cohort boundaries: (name, first birth year, last birth year).
    generations: tuple[tuple[str, int, int], ...] = field(
        default=(("X", 1900, 1979), ("Y", 1980, 1994), ("Z", 1995, 2030))
    )
    #: Sentiment model: None = the shipped model; else a path or Hugging Face id (needs the hf extra).
    sentiment_model: str | None = None
    #: Label mapping for a user model, e.g. "LABEL_0=negative,LABEL_1=positive".
    sentiment_labels: str | None = None
    #: Execution engine for per-post stages: "local" or "dask".
    engine: str = "local"
    #: Dask scheduler address (None = start a LocalCluster).
    scheduler: str | None = None
    #: Extra taxonomy YAML files that extend the shipped city-brand taxonomy.
    taxonomy_files: tuple[str, ...] = ()
    #: Reference time for relative timestamps (刚刚, 5分钟前) when the file has no crawl time.
    as_of: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if env is None else env
        base = cls(
            workspace=Path(env.get("BRANDLAB_WORKSPACE") or DEFAULT_WORKSPACE),
            min_group_size=_int(env, "BRANDLAB_MIN_GROUP_SIZE", cls.min_group_size),
            n_boot=_int(env, "BRANDLAB_N_BOOT", cls.n_boot),
            seed=_int(env, "BRANDLAB_SEED", cls.seed),
            threads=_int(env, "BRANDLAB_THREADS", cls.threads),
            pseudonymise=env.get("BRANDLAB_PSEUDONYMISE", "1") not in ("0", "false", "no"),
            pseudonym_salt=env.get("BRANDLAB_PSEUDONYM_SALT", cls.pseudonym_salt),
            sentiment_model=env.get("BRANDLAB_SENTIMENT_MODEL") or None,
            engine=env.get("BRANDLAB_ENGINE", "local"),
            scheduler=env.get("BRANDLAB_SCHEDULER") or None,
        )
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(base, **clean) if clean else base  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]
