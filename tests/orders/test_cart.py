"""The session's cart: one line per product, details that replace each other, a limit, and
nothing but well-typed details read back (the session is signed, but old shops wrote it)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from prefero.orders.cart import (
    MAX_CART,
    CartEntry,
    add_entry,
    cart_ids,
    clear_cart,
    entries,
    remove_entry,
)


def test_details_replace_and_go_with_the_line() -> None:
    cart: dict[str, Any] = {}
    assert add_entry(cart, CartEntry("laptop", configuration_id=7))
    assert add_entry(cart, CartEntry("shirt", size="M"))
    assert add_entry(cart, CartEntry("laptop", configuration_id=9))
    assert entries(cart) == [CartEntry("laptop", configuration_id=9),
                             CartEntry("shirt", size="M")]
    assert remove_entry(cart, "laptop") and not remove_entry(cart, "laptop")
    assert entries(cart) == [CartEntry("shirt", size="M")]
    assert add_entry(cart, CartEntry("shirt"))
    assert entries(cart) == [CartEntry("shirt")], "a plain add clears the size"
    clear_cart(cart)
    assert entries(cart) == []


def test_a_full_cart_takes_no_new_product_but_changes_its_own() -> None:
    cart: dict[str, Any] = {}
    for n in range(MAX_CART):
        assert add_entry(cart, CartEntry(f"p{n}"))
    assert not add_entry(cart, CartEntry("one-more"))
    assert add_entry(cart, CartEntry("p0", size="L"))
    assert len(cart_ids(cart)) == MAX_CART


def test_details_of_the_wrong_type_read_as_absent() -> None:
    cart = {"cart": ["a", "b", 3], "cart_details": {"a": {"configuration_id": "7",
                                                          "size": 40},
                                                    "b": {"configuration_id": True}}}
    assert entries(cart) == [CartEntry("a"), CartEntry("b")]


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d"]),
                          st.none() | st.integers(1, 5),
                          st.none() | st.sampled_from(["S", "M"]),
                          st.booleans()), max_size=30))
def test_the_cart_is_the_last_choice_per_product(steps: list[tuple[str, int | None,
                                                                     str | None, bool]]
                                                 ) -> None:
    cart: dict[str, Any] = {}
    expected: dict[str, CartEntry] = {}
    for product_id, configuration, size, adding in steps:
        if adding:
            add_entry(cart, CartEntry(product_id, configuration, size))
            expected[product_id] = CartEntry(product_id, configuration, size)
        else:
            remove_entry(cart, product_id)
            expected.pop(product_id, None)
    assert entries(cart) == list(expected.values())
