"""Stage 3 for experiments: a simulated user and the CAIPI loop around it.

:class:`SimulatedUser` answers queries from known relevant features, as in
the CAIPI paper, optionally with the noisy feedback of Friedrich et al.;
:func:`simulate` runs the loop (query, explain, answer, teach) and returns a
:class:`History` of predictive and explanatory scores.
"""

from ._history import History
from ._loop import ExcludeRows, simulate
from ._user import SimulatedUser

__all__ = ["ExcludeRows", "History", "SimulatedUser", "simulate"]
