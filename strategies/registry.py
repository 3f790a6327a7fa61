"""Every strategy configuration the project has, in one registry: what a sweep runs.

A configuration names a strategy with fixed parameters, says which models it is feasible on,
and proves: ``prove(model, jobs) -> (proof object, inputs claimed, statistics)``. A family joins
with one call, ``register(*configurations)``, at the end of this module (as the sub-cubic
family's configurations do). Names are unique; ``strategy`` is the name written into
the certificate (several configurations may share it), ``parameters`` go into the certificate
and the sweep's results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from compact_proofs.checker.io.weights import Model, ModelConfig
from compact_proofs.strategies import brute_force, cubic, hybrid, subcubic

BRUTE_FORCE_INPUTS = 64**5  # brute force is feasible up to this many inputs (K=5: minutes on 2 cores)
HYBRID_INPUTS = 64**6       # the hybrid enumerates ~2-7% of the inputs: K=6 in minutes, K=10 never


@dataclass(frozen=True)
class Configuration:
    """One strategy with fixed parameters."""

    name: str
    strategy: str
    prove: Callable[[Model, int], tuple[dict, int, dict]]
    feasible: Callable[[ModelConfig], bool]
    parameters: dict = field(default_factory=dict)


REGISTRY: dict[str, Configuration] = {}


def register(*configurations: Configuration) -> None:
    """Add configurations; a name may be registered once."""
    for configuration in configurations:
        if configuration.name in REGISTRY:
            raise ValueError(f"strategy configuration {configuration.name!r} is registered twice")
        REGISTRY[configuration.name] = configuration


def inputs(config: ModelConfig) -> int:
    return config.d_vocab ** config.n_ctx


register(
    Configuration("brute_force", "brute_force", lambda model, jobs: brute_force.prove(model, jobs=jobs),
                  lambda config: inputs(config) <= BRUTE_FORCE_INPUTS),
    Configuration("cubic", "cubic", lambda model, jobs: cubic.prove(model), lambda config: True),
    Configuration("hybrid", "hybrid", lambda model, jobs: hybrid.prove(model, jobs=jobs),
                  lambda config: inputs(config) <= HYBRID_INPUTS),
)
register(*(Configuration(name, "subcubic", lambda model, jobs, name=name: subcubic.prove(model, config=name),
                         lambda config: True, {"group": subcubic.group(name)}) for name in subcubic.CONFIGURATIONS))
