"""segtui's screens: one module per section, modals beside them."""
