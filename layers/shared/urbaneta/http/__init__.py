"""HTTP plumbing shared by every API function."""
