"""settlement: closes the books of Norwegian shops every night and posts one voucher per store and day to Fiken."""

__version__ = "0.1.0"
