"""The wire: the same scripts served over HTTP to real client packages.

One adapter per provider format, the app that routes to them, the journal, the server.
"""
