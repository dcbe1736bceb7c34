"""segtui: the terminal UI of a segd workspace, over the Admin gRPC API only."""
