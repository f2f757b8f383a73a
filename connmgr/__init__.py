"""connmgr: connect client accounts at SaaS vendors through OAuth 2.0 / OpenID Connect."""

__version__ = "0.1.0"
