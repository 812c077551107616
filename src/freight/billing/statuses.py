"""Billing's vocabularies: invoice, payment and refund statuses, and the named sets of them."""

from __future__ import annotations

from enum import StrEnum


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUNDED = "refunded"


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


# Issued and not yet settled: what the customer owes, can pay, and what ages as overdue.
OPEN_INVOICE = frozenset({InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID})
# What may still be voided (and only while nothing has been paid on it).
VOIDABLE_INVOICE = frozenset({InvoiceStatus.DRAFT, InvoiceStatus.ISSUED})
