"""The inventory on disk: what `collect` writes and every later stage reads."""

from migrate.inventory.store import Inventory, InventoryObject, read_inventory, write_inventory

__all__ = ["Inventory", "InventoryObject", "read_inventory", "write_inventory"]
