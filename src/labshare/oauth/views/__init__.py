"""The OAuth pages and endpoints; one module per URL family (see ../urls.py)."""
