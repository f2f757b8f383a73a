"""The embedded sign-in window.

Import `SignInWindow` from `connmgr.gui.signin.window`: that import loads
QtWebEngine, which costs start-up time and memory, so this package does not
do it for you. `navigation`, `block_page` and `sentences` are Qt-free.
"""
