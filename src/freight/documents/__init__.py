"""Shipping documents: the bill of lading, the rate confirmation, the proof-of-delivery
certificate and the invoice packet, generated as PDFs and kept with their sha256."""
