"""Routes of the domains REST API, one module per concern; ui.web.domains_api joins them."""
