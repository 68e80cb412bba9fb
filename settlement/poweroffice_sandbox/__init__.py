"""A faithful local fake of the PowerOffice Go API v2 on 127.0.0.1 (see docs/poweroffice-sandbox.md)."""
