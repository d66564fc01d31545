"""The ``brandlab`` subcommands, one module per area; :mod:`brandlab.cli` registers them on its
click group ``main`` (see its docstring for which command lives where).

A command module takes its helpers (``handle_errors``, ``TqdmProgress``, ``settings_from``) from
:mod:`brandlab.cli`, which imports the command modules at its end. The import below makes that
hold whichever module is imported first: ``import brandlab.commands.ingest`` loads
:mod:`brandlab.cli` (helpers, then every command) before any command module runs.
"""

import brandlab.cli  # noqa: F401  (see above: the helpers first, then every command)
