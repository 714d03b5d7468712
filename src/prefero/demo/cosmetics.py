"""Cosmetics: skincare, make-up, hair, body and fragrance with skin type, vegan, organic and
allergen facets. As with groceries, "vegan" follows from the ingredients: nothing with milk,
egg, lanolin or beeswax is vegan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from prefero.demo.draft import ProductDraft, TitleBook, chance, pick, pick_many

__all__ = ["SKIN_TYPES", "make_cosmetics"]

SKIN_TYPES = ("dry", "oily", "combination", "sensitive", "normal")
_VEGAN_BRANDS = frozenset({"Yope", "Resibo", "The Ordinary", "Lush"})
_ORGANIC_BRANDS = frozenset({"Weleda", "Resibo", "Tołpa"})
_SKIN_CARE_BRANDS = ("Ziaja", "Bielenda", "Tołpa", "Yope", "Resibo", "La Roche-Posay", "CeraVe",
                     "Nivea", "The Ordinary", "Garnier", "Weleda", "Eveline")
_MAKEUP_BRANDS = ("Inglot", "Maybelline", "L'Oréal Paris", "Bourjois", "Wibo", "Eveline",
                  "The Ordinary")
_HAIR_BRANDS = ("Yope", "Garnier", "L'Oréal Paris", "Anwen", "Ziaja", "Nivea", "Lush")
_BODY_BRANDS = ("Yope", "Ziaja", "Nivea", "Weleda", "Lush", "Bielenda", "Tołpa")
_FRAGRANCE_BRANDS = ("Yope", "Lush", "Calvin Klein", "Hugo Boss", "Lancôme", "Inglot")


@dataclass(frozen=True)
class _Line:
    kind: str
    category: str
    name: str
    skin: tuple[str, ...]  # skin types it is made for; empty when skin type does not apply
    price: tuple[float, float]
    sizes: tuple[str, ...]
    brands: tuple[str, ...]
    share: float
    animal: str | None = None  # lactose, eggs, lanolin or beeswax: never vegan
    nuts: bool = False  # almond, argan or shea: listed as a nut allergen
    shades: tuple[str, ...] = ()


_SKIN = "Cosmetics > Skincare"
_LINES: tuple[_Line, ...] = (
    _Line("moisturizer", f"{_SKIN} > Moisturizers", "Hydrating Day Cream", ("dry", "normal"),
          (19, 129), ("50 ml",), _SKIN_CARE_BRANDS, 0.06),
    _Line("moisturizer", f"{_SKIN} > Moisturizers", "Rich Night Cream with Shea Butter",
          ("dry",), (25, 149), ("50 ml",), _SKIN_CARE_BRANDS, 0.04, nuts=True),
    _Line("moisturizer", f"{_SKIN} > Moisturizers", "Oil-Free Gel Moisturizer",
          ("oily", "combination"), (22, 119), ("50 ml",), _SKIN_CARE_BRANDS, 0.05),
    _Line("moisturizer", f"{_SKIN} > Moisturizers", "Ceramide Barrier Cream",
          ("sensitive", "dry"), (35, 139), ("50 ml", "177 ml"), _SKIN_CARE_BRANDS, 0.04),
    _Line("cleanser", f"{_SKIN} > Cleansers", "Gentle Foaming Cleanser", ("normal", "combination",
          "sensitive"), (15, 79), ("150 ml", "236 ml"), _SKIN_CARE_BRANDS, 0.05),
    _Line("cleanser", f"{_SKIN} > Cleansers", "Micellar Water", ("sensitive", "normal", "dry"),
          (12, 69), ("400 ml",), _SKIN_CARE_BRANDS, 0.05),
    _Line("cleanser", f"{_SKIN} > Cleansers", "Salicylic Acid Gel Cleanser", ("oily",
          "combination"), (19, 79), ("200 ml",), _SKIN_CARE_BRANDS, 0.03),
    _Line("cleanser", f"{_SKIN} > Cleansers", "Cleansing Oil with Almond", ("dry", "normal"),
          (25, 99), ("150 ml",), _SKIN_CARE_BRANDS, 0.02, nuts=True),
    _Line("serum", f"{_SKIN} > Serums", "Vitamin C Serum", ("normal", "combination", "dry"),
          (29, 189), ("30 ml",), _SKIN_CARE_BRANDS, 0.04),
    _Line("serum", f"{_SKIN} > Serums", "Hyaluronic Acid Serum", ("dry", "normal", "sensitive"),
          (25, 159), ("30 ml",), _SKIN_CARE_BRANDS, 0.04),
    _Line("serum", f"{_SKIN} > Serums", "Niacinamide 10% Serum", ("oily", "combination"),
          (25, 99), ("30 ml",), _SKIN_CARE_BRANDS, 0.03),
    _Line("serum", f"{_SKIN} > Serums", "Retinol Night Serum", ("normal", "combination"),
          (39, 199), ("30 ml",), _SKIN_CARE_BRANDS, 0.03),
    _Line("sunscreen", f"{_SKIN} > Sunscreen", "Mineral Sunscreen SPF 50", ("sensitive", "dry"),
          (39, 119), ("50 ml",), _SKIN_CARE_BRANDS, 0.03),
    _Line("sunscreen", f"{_SKIN} > Sunscreen", "Lightweight Fluid SPF 50+", ("oily",
          "combination", "normal"), (35, 109), ("50 ml",), _SKIN_CARE_BRANDS, 0.03),
    _Line("foundation", "Cosmetics > Makeup > Foundation", "Matte Foundation", ("oily",
          "combination"), (29, 189), ("30 ml",), _MAKEUP_BRANDS, 0.04,
          shades=("Ivory", "Beige", "Sand", "Caramel", "Espresso")),
    _Line("foundation", "Cosmetics > Makeup > Foundation", "Hydrating Skin Tint", ("dry", "normal"),
          (35, 169), ("30 ml",), _MAKEUP_BRANDS, 0.03,
          shades=("Ivory", "Beige", "Sand", "Caramel", "Espresso")),
    _Line("lipstick", "Cosmetics > Makeup > Lips", "Satin Lipstick", (), (19, 119), ("4 g",),
          _MAKEUP_BRANDS, 0.04, animal="beeswax",
          shades=("Red", "Nude", "Pink", "Berry", "Coral")),
    _Line("lipstick", "Cosmetics > Makeup > Lips", "Tinted Lip Oil", (), (19, 89), ("5 ml",),
          _MAKEUP_BRANDS, 0.025, shades=("Nude", "Pink", "Berry")),
    _Line("mascara", "Cosmetics > Makeup > Eyes", "Volume Mascara", (), (19, 99), ("10 ml",),
          _MAKEUP_BRANDS, 0.03, shades=("Black", "Brown")),
    _Line("eyeshadow", "Cosmetics > Makeup > Eyes", "Eyeshadow Palette", (), (29, 199),
          ("9 shades",), _MAKEUP_BRANDS, 0.02, shades=("Nude", "Brown", "Pink")),
    _Line("shampoo", "Cosmetics > Hair > Shampoo & Conditioner", "Repair Shampoo", (), (15, 69),
          ("300 ml", "500 ml"), _HAIR_BRANDS, 0.04),
    _Line("shampoo", "Cosmetics > Hair > Shampoo & Conditioner", "Volume Shampoo", (), (15, 59),
          ("300 ml",), _HAIR_BRANDS, 0.03),
    _Line("conditioner", "Cosmetics > Hair > Shampoo & Conditioner", "Nourishing Conditioner with "
          "Argan Oil", (), (15, 69), ("300 ml",), _HAIR_BRANDS, 0.035, nuts=True),
    _Line("hair_mask", "Cosmetics > Hair > Treatments", "Egg & Honey Hair Mask", (), (19, 59),
          ("200 ml",), _HAIR_BRANDS, 0.015, animal="eggs"),
    _Line("hair_mask", "Cosmetics > Hair > Treatments", "Leave-In Protein Spray", (), (25, 79),
          ("150 ml",), _HAIR_BRANDS, 0.02),
    _Line("body", "Cosmetics > Body > Body Care", "Body Lotion", ("dry", "normal"), (15, 79),
          ("250 ml", "400 ml"), _BODY_BRANDS, 0.04),
    _Line("body", "Cosmetics > Body > Body Care", "Almond Body Oil", ("dry",), (25, 119),
          ("100 ml",), _BODY_BRANDS, 0.025, nuts=True),
    _Line("body", "Cosmetics > Body > Body Care", "Hand Cream with Goat Milk", ("dry",), (9, 39),
          ("75 ml",), _BODY_BRANDS, 0.025, animal="lactose"),
    _Line("body", "Cosmetics > Body > Body Care", "Lanolin Lip Balm", ("dry", "sensitive"),
          (9, 29), ("15 ml",), _BODY_BRANDS, 0.015, animal="lanolin"),
    _Line("shower", "Cosmetics > Body > Bath & Shower", "Shower Gel", (), (9, 39),
          ("400 ml", "500 ml"), _BODY_BRANDS, 0.04),
    _Line("shower", "Cosmetics > Body > Bath & Shower", "Natural Soap Bar", ("sensitive",
          "normal"), (9, 35), ("100 g",), _BODY_BRANDS, 0.025),
    _Line("perfume", "Cosmetics > Fragrance > Perfume", "Eau de Parfum", (), (79, 599),
          ("30 ml", "50 ml", "100 ml"), _FRAGRANCE_BRANDS, 0.04),
)
_SCENTS = ("Fig & Cedar", "Citrus Grove", "Lavender Fields", "Green Tea", "Rose & Oud",
           "Sea Breeze", "Vanilla Amber", "Unscented")


def make_cosmetics(rng: np.random.Generator, count: int) -> list[ProductDraft]:
    """``count`` cosmetics drafts; vegan items never contain animal-derived allergens.

    >>> drafts = make_cosmetics(np.random.default_rng(4), 40)
    >>> all(not {"lactose", "eggs"} & set(d.facets["allergens"])
    ...     for d in drafts if d.facets["vegan"])
    True
    """
    shares = [line.share for line in _LINES]
    drafts: list[ProductDraft] = []
    book = TitleBook()
    while len(drafts) < count:
        line = pick(rng, _LINES, shares)
        brand = pick(rng, line.brands)
        size = pick(rng, line.sizes)
        scent = pick(rng, _SCENTS) if line.kind in ("perfume", "shower", "body") else ""
        if line.kind == "perfume" and scent == "Unscented":
            scent = "Fig & Cedar"
        fragrance_free = scent == "Unscented" or (
            "sensitive" in line.skin and chance(rng, 0.6)) or chance(rng, 0.15)
        if line.kind == "perfume":
            fragrance_free = False
        allergens: list[str] = []
        if line.nuts:
            allergens.append("nuts")
        if line.animal in ("lactose", "eggs"):
            allergens.append(line.animal)
        if not fragrance_free:
            allergens.append("fragrance")
        vegan = line.animal is None and (brand in _VEGAN_BRANDS or chance(rng, 0.45))
        organic = brand in _ORGANIC_BRANDS or chance(rng, 0.12)
        skin = (pick_many(rng, line.skin, 1, len(line.skin)) if line.skin else [])
        shade = pick(rng, line.shades) if line.shades else ""
        name = line.name if not scent or scent == "Unscented" else f"{line.name} {scent}"
        if fragrance_free and line.kind != "perfume" and "Fragrance-Free" not in name:
            name = f"Fragrance-Free {name}" if chance(rng, 0.5) else name
        title = book.claim(f"{brand} {name} {size}" + (f" – {shade}" if shade else ""))
        if title is None:
            continue
        facets: dict[str, Any] = {
            "allergens": allergens,
            "vegan": vegan,
            "organic": organic,
        }
        if skin:
            facets["skin_type"] = skin
        if shade:
            facets["color"] = [shade]
        if vegan and organic:
            facets["eco"] = True
        quality = rng.beta(2.0, 2.0)
        low, high = line.price
        drafts.append(ProductDraft(
            kind=line.kind,
            vertical="Cosmetics",
            category=line.category,
            brand=brand,
            title=title,
            description=_description(line, skin, vegan, organic, allergens),
            price=low * (high / low) ** quality * (1.3 if size != line.sizes[0] else 1.0),
            facets=facets,
        ))
    return drafts


def _description(line: _Line, skin: list[str], vegan: bool, organic: bool,
                 allergens: list[str]) -> str:
    sentences = [f"{line.name}."]
    if skin:
        sentences.append(f"For {', '.join(skin)} skin.")
    claims = []
    if vegan:
        claims.append("Vegan formula")
    if organic:
        claims.append("certified organic ingredients")
    if "fragrance" not in allergens:
        claims.append("fragrance-free")
    if claims:
        sentences.append((", ".join(claims) + ".").capitalize())
    if allergens:
        sentences.append(f"Contains: {', '.join(allergens)}.")
    if line.animal == "beeswax":
        sentences.append("Made with beeswax.")
    if line.animal == "lanolin":
        sentences.append("Made with lanolin.")
    return " ".join(sentences)
