"""Which pictogram a product gets: the product noun of its title within its department, then
its category, then its department; qualifiers ("with", "in", "for") do not decide."""

from __future__ import annotations

import pytest

from prefero.demo.pictograms import NATURAL_COLOURS, PICTOGRAMS, pictogram_for

CASES = [
    ("Groceries > Sweets > Biscuits", "Prefero Basics Butter Biscuits 200 g", "cookie"),
    ("Groceries > Meat & Fish > Cold Cuts & Fish", "Suempol Tuna in Olive Oil 170 g", "tin"),
    ("Groceries > Snacks > Bars", "Bakalland Granola Bar Honey Oat 40 g", "bar"),
    ("Groceries > Breakfast > Cereals & Muesli", "Nestlé Crunchy Granola with Nuts 350 g",
     "cereal"),
    ("Groceries > Bakery > Bread", "Oskroba Butter Croissants (4 pcs) 300 g", "croissant"),
    ("Groceries > Pasta & Grains > Pasta", "Makarony Polskie Pappardelle all'Uovo 250 g",
     "spaghetti"),
    ("Groceries > Sweets > Chocolate", "E. Wedel Organic Sugar-Free Milk Chocolate 80 g",
     "chocolate"),
    ("Cosmetics > Skincare > Moisturizers", "Bielenda Rich Night Cream with Shea Butter 50 ml",
     "cream_jar"),
    ("Cosmetics > Body > Body Care", "Weleda Lanolin Lip Balm Vanilla Amber 15 ml",
     "lipstick"),
    ("Cosmetics > Skincare > Cleansers", "Yope Cleansing Oil with Almond 150 ml",
     "pump_bottle"),
    ("Cosmetics > Hair > Treatments", "Garnier Egg & Honey Hair Mask 200 ml", "cream_jar"),
    ("Fashion > Dresses & Skirts > Dresses", "Mango Sierra Women's Shirt Dress – Burgundy",
     "dress"),
    ("Fashion > Shoes > Formal", "Clarks Rivera Women's Oxford Shoes – Black", "shoe"),
    ("Fashion > Shoes > Sneakers", "Nike Atlas High-Top Sneakers – Olive", "sneaker"),
    ("Fashion > Accessories > Bags", "Patagonia Coast Men's Vegan Leather Backpack – Pink",
     "backpack"),
    ("Electronics > Phone Accessories > Cases", "Spigen Liquid Air Case for Pixel 9",
     "phone_case"),
    ("Electronics > Smart Home > Security", "Ring Stick Up Cam Battery – White",
     "security_camera"),
    ("Electronics > TV & Video > Streaming Devices", "Google TV Streamer", "streaming"),
    ("Electronics > Computers > Laptops", "Apple MacBook Air 15 M3 Laptop 1 TB – Silver",
     "laptop"),
    ("Electronics > Services > Add-ons", "Camera set-up session (1 hour, in store)",
     "service"),
    # An imported feed's own taxonomy: the title still decides, across departments.
    ("Apparel & Accessories > Clothing", "Organic Cotton T-Shirt", "tshirt"),
    ("Food, Beverages & Tobacco", "Wheat Bread Loaf", "loaf"),
    ("Home & Garden > Tools", "Garden Rake", "shopping_bag"),
    ("", "", "shopping_bag"),
]


@pytest.mark.parametrize(("category", "title", "expected"), CASES,
                         ids=[c[2] + ":" + c[1][:24] for c in CASES])
def test_the_product_noun_decides(category: str, title: str, expected: str) -> None:
    assert pictogram_for(category=category, title=title) == expected


def test_a_title_without_a_known_noun_falls_back_to_the_category_then_department() -> None:
    assert pictogram_for(category="Electronics > Cameras > Mirrorless",
                         title="Sony Alpha 7R V Body") == "camera"
    assert pictogram_for(category="Cosmetics > Something New", title="Glow") == "bottle"


def test_every_named_colour_belongs_to_a_pictogram() -> None:
    assert set(NATURAL_COLOURS) <= set(PICTOGRAMS)
