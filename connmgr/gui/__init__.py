"""The desktop window. QtWebEngine is loaded only when a sign-in opens (`connmgr.gui.signin.window`)."""
