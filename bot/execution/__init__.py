"""Execution: getting routes on chain. Deployment records, simulation, pricing gas, signing, sending,
tracking receipts and accounting profit."""
