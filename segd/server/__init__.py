"""Front doors: thin handlers that convert a request, call the core and convert back."""
