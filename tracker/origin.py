"""Substantial-transformation origin of every lot: kept importable here for
existing callers; the rules live in `tracker.regimes.substantial`."""

from .regimes.substantial import (RULE_134, Basis, LotOrigin, determine_origins, essential_input,  # noqa: F401
                                  principal_input, process_class)

__all__ = ["Basis", "LotOrigin", "determine_origins", "process_class", "principal_input", "essential_input",
           "RULE_134"]
