"""Command functions the CLI mounts (one module per command group)."""
