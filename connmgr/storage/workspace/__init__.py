"""A team's workspace on PostgreSQL: the second store (`WorkspaceStore`) beside the local one."""

from connmgr.storage.workspace.address import WorkspaceAddress
from connmgr.storage.workspace.sealing import CodecSealing, DataKeySealing, Sealing
from connmgr.storage.workspace.store import WorkspaceStore

__all__ = ["CodecSealing", "DataKeySealing", "Sealing", "WorkspaceAddress", "WorkspaceStore"]
