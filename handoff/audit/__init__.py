"""Audit log: who changed what in the admin workspace, before and after."""
