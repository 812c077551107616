"""Billing: rates and quotes, invoices (PDF), payments and refunds, payment providers."""
