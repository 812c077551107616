"""What of an event leaves Freight: public facts only, never people or staff notes."""

from __future__ import annotations

from freight.webhooks.catalog import is_known_filter, matches, public_change


def test_a_delivery_keeps_the_files_but_not_the_recipient_or_the_position() -> None:
    data = {
        "from": "IN_TRANSIT",
        "to": "DELIVERED",
        "action": "deliver",
        "recipient_name": "Maria Lopez",
        "lat": 32.77,
        "lng": -96.79,
        "files": [{"role": "signature", "sha256": "ab" * 32, "name": "sig.png"}],
    }
    assert public_change("shipment.delivered", data) == {
        "from": "IN_TRANSIT",
        "to": "DELIVERED",
        "action": "deliver",
        "files": [{"role": "signature", "sha256": "ab" * 32}],
    }


def test_staff_reasons_and_driver_notes_stay_home_but_a_cancellation_says_why() -> None:
    assigned = {"from": "PENDING", "to": "ASSIGNED", "action": "assign", "reason": "Bob is sick",
                "driver_id": "d1", "vehicle_id": "v1", "deadhead_km": 12.5}  # fmt: skip
    assert public_change("shipment.assigned", assigned) == {
        "from": "PENDING", "to": "ASSIGNED", "action": "assign",
    }  # fmt: skip
    moved = {"from": "ASSIGNED", "to": "PICKED_UP", "action": "pickup", "note": "gate 4, ask Jo"}
    assert "note" not in public_change("shipment.status_changed", moved)
    cancelled = {
        "from": "PENDING",
        "to": "CANCELLED",
        "action": "cancel",
        "reason": "Plans changed",
    }
    assert public_change("shipment.cancelled", cancelled)["reason"] == "Plans changed"
    overridden = {"action": "assign", "codes": ["hos"], "reason": "agreed with the driver"}
    assert public_change("shipment.warning_overridden", overridden) == {}


def test_an_edit_names_the_fields_not_their_values() -> None:
    data = {"changes": {"notes": ["", "call Bob"], "weight_kg": [1000, 1200]}, "reason": "x"}
    assert public_change("shipment.updated", data) == {"fields": ["notes", "weight_kg"]}


def test_filters_take_types_and_families_and_nothing_internal() -> None:
    assert is_known_filter("shipment.*") and is_known_filter("payment.refunded")
    assert not is_known_filter("user.created") and not is_known_filter("webhook.*")
    assert matches(None, "invoice.issued") and not matches(None, "user.created")
    assert matches(["shipment.*"], "shipment.cancelled")
    assert not matches(["shipment.*"], "stop.arrived")
    assert not matches(None, "webhook.endpoint_disabled")
