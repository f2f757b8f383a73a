"""The command line: the same operations as the window, for scripts.

Exit status: 0 on success; 1 with one sentence on stderr when an operation
fails; 2 on a usage error. Secrets never come from argv (other users can read
it in the process list): secret fields come from `CONNMGR_<FIELD>` variables
or a prompt that does not echo. Text from the store or a vendor is printed
through `for_terminal`, so no name, account or answer can drive the terminal.

`parser` builds the arguments (app.py parses them once, for the window too);
`main` runs the command they name through its handler, one module per group
of commands. This package imports nothing, so the window's start-up pays for
the parser alone.
"""
