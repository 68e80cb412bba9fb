"""What every local ledger and shop sandbox shares: fault injection, the request log, multipart parsing.

Each sandbox (settlement.fiken_sandbox, settlement.tripletex_sandbox, …) imports only this kit and
the domain, so one sandbox never depends on another.
"""
