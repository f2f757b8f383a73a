"""The "Connect an account" dialog: choose a vendor, fill in the form its template asks for, start connecting."""

from connmgr.gui.connect.dialog import ConnectDialog
from connmgr.gui.connect.failure import Failure
from connmgr.gui.connect.request import ConnectRequest

__all__ = ["ConnectDialog", "ConnectRequest", "Failure"]
