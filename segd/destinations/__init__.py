"""Destination plugins: the contract (`base`), the built-ins (`webhook`, `archive`) and
HTTP outcome helpers (`http`). Plugins are found through entry points by
`segd.router.registry`."""
