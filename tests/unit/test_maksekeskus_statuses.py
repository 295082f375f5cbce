"""What each MakeCommerce transaction state means for an order (adapters/providers/maksekeskus.STATUSES)."""

from __future__ import annotations

import pytest

from urbaneta.adapters.providers.maksekeskus import STATUSES, mac, mac_matches, meaning, php_json


@pytest.mark.parametrize("status,expected", [
    ("CREATED", "waiting"), ("PENDING", "waiting"), ("APPROVED", "waiting"), ("RECEIVED", "waiting"),
    ("COMPLETED", "paid"), ("PAID", "paid"), ("CANCELLED", "not_paid"), ("EXPIRED", "not_paid"),
    ("DECLINED", "not_paid"), ("REFUNDED", "refunded"), ("PART_REFUNDED", "refunded"),
    ("completed", "paid"), ("NEW_STATE", "waiting"), ("", "waiting"),
])
def test_each_status_has_its_meaning(status, expected):
    assert meaning(status) == expected


def test_every_documented_status_is_listed():
    documented = {"CREATED", "PENDING", "CANCELLED", "EXPIRED", "APPROVED", "COMPLETED", "PART_REFUNDED", "REFUNDED"}
    assert documented <= set(STATUSES)


def test_mac_over_the_message_or_its_php_encoding_only():
    sent = '{"amount": 1.5, "merchant_data": "a/b", "customer_name": "Tõõger"}'
    php = php_json(sent)
    assert php == '{"amount":1.5,"merchant_data":"a\\/b","customer_name":"Tõõger"}'
    assert mac_matches(sent, mac(sent, "k"), "k") and mac_matches(sent, mac(php, "k").lower(), "k")
    assert not mac_matches(sent, mac(sent, "other"), "k")
    assert php_json("not json") is None
