"""Fashion: clothing, shoes and accessories with style, colour, size, material and eco facets.

Each model comes in one to three colours that share an ``item_group``, as in a real feed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prefero.demo.draft import ProductDraft, TitleBook, a_or_an, chance, pick, pick_many

__all__ = [
    "CLOTHING_SIZES",
    "COLORS",
    "ECO_MATERIALS",
    "SHOE_SIZES",
    "STYLES",
    "make_fashion",
]

STYLES = ("classic", "sporty", "streetwear", "boho", "minimal", "elegant")
COLORS = (
    "Black", "White", "Navy", "Grey", "Beige", "Red", "Green", "Blue", "Pink", "Brown",
    "Olive", "Burgundy", "Yellow", "Cream",
)
CLOTHING_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
SHOE_SIZES = tuple(str(size) for size in range(36, 47))
ECO_MATERIALS = frozenset(
    {"organic cotton", "recycled polyester", "linen", "hemp", "tencel", "recycled nylon",
     "vegan leather"}
)
PATTERNS = ("solid", "striped", "checked", "floral", "printed", "melange")

# Brands a reader of a Polish shop would recognise; the eco ones make most things eco.
ECO_BRANDS = frozenset({"Patagonia", "Armedangels", "Veja", "Ecoalf", "People Tree"})
_BRAND_PRICE = {
    "H&M": 0.7, "Reserved": 0.75, "Sinsay": 0.55, "4F": 0.85, "Mango": 0.95,
    "Massimo Dutti": 1.35, "Tommy Hilfiger": 1.3, "Calvin Klein": 1.25, "Patagonia": 1.45,
    "Armedangels": 1.2, "Ecoalf": 1.25, "People Tree": 1.1, "Veja": 1.2, "Wittchen": 1.3,
    "Gino Rossi": 1.15, "The North Face": 1.35, "On": 1.3, "Hoka": 1.25,
}
_MODEL_NAMES = (
    "Aurora", "Harbor", "Metro", "Nomad", "Atlas", "Breeze", "Summit", "Pioneer", "Vista",
    "Coast", "Heritage", "Essential", "Studio", "Flow", "Drift", "Terra", "Luna", "Sierra",
    "Echo", "Willow", "Fjord", "Nova", "Solstice", "Canyon", "Meadow", "Rivera", "Orbit",
    "Tempo", "Haven", "Mistral",
)
_STYLE_WORDS = {
    "classic": "timeless",
    "sporty": "athletic",
    "streetwear": "relaxed streetwear",
    "boho": "free-spirited boho",
    "minimal": "clean, minimal",
    "elegant": "elegant",
}
# Nouns that name their material ("Linen Shirt") decide it, so the title cannot contradict it.
_NOUN_MATERIALS = {"Linen": "linen", "Wool": "wool", "Merino": "merino wool", "Leather": "leather",
                   "Silk": "silk", "Flannel": "cotton", "Denim": "cotton"}
_FITS = ("regular fit", "slim fit", "relaxed fit", "oversized fit", "tailored fit")


@dataclass(frozen=True)
class _Family:
    kind: str
    category: str
    nouns: tuple[str, ...]
    materials: tuple[str, ...]
    styles: tuple[str, ...]
    price: tuple[float, float]
    brands: tuple[str, ...]
    sizes: str  # "clothing", "shoes" or "none"
    share: float
    genders: tuple[str, ...] = ("women", "men", "unisex")
    patterns: tuple[str, ...] = ("solid", "solid", "solid", "striped", "printed", "melange")


_CASUAL = ("H&M", "Reserved", "Sinsay", "Mango", "Levi's", "Tommy Hilfiger", "Calvin Klein",
           "Massimo Dutti", "Armedangels", "People Tree", "Ecoalf", "Patagonia")
_SPORT = ("Nike", "Adidas", "Puma", "New Balance", "Asics", "4F", "The North Face", "On",
          "Hoka", "Patagonia", "Ecoalf")
_FAMILIES: tuple[_Family, ...] = (
    _Family("tshirt", "Fashion > Tops > T-Shirts", ("T-Shirt", "Crew Neck Tee", "V-Neck Tee",
            "Long Sleeve Tee"), ("cotton", "organic cotton", "recycled polyester", "hemp"),
            STYLES, (39, 199), (*_CASUAL, "Nike", "Adidas", "4F"), "clothing", 0.12),
    _Family("shirt", "Fashion > Tops > Shirts", ("Oxford Shirt", "Linen Shirt", "Button-Down Shirt",
            "Flannel Shirt", "Blouse"), ("cotton", "organic cotton", "linen", "tencel", "silk"),
            ("classic", "minimal", "elegant", "boho"), (99, 449), _CASUAL, "clothing", 0.08,
            patterns=("solid", "solid", "striped", "checked", "floral")),
    _Family("sweater", "Fashion > Tops > Sweaters & Hoodies", ("Knit Sweater", "Cardigan",
            "Merino Jumper", "Hoodie", "Zip Hoodie"), ("wool", "merino wool", "cotton",
            "organic cotton", "cashmere", "recycled polyester"), STYLES, (129, 799),
            (*_CASUAL, "Nike", "Adidas", "The North Face"), "clothing", 0.09,
            patterns=("solid", "solid", "melange", "striped")),
    _Family("jeans", "Fashion > Bottoms > Jeans", ("Slim Jeans", "Straight Jeans",
            "Wide-Leg Jeans", "Mom Jeans", "Tapered Jeans"), ("cotton", "organic cotton"),
            ("classic", "streetwear", "minimal", "boho"), (149, 549),
            ("Levi's", "H&M", "Reserved", "Mango", "Tommy Hilfiger", "Calvin Klein",
             "Armedangels"), "clothing", 0.07, patterns=("solid",)),
    _Family("trousers", "Fashion > Bottoms > Trousers", ("Chinos", "Tailored Trousers",
            "Cargo Pants", "Linen Trousers", "Joggers"), ("cotton", "organic cotton", "linen",
            "wool", "recycled polyester"), STYLES, (119, 499), _CASUAL, "clothing", 0.07,
            patterns=("solid", "solid", "checked")),
    _Family("leggings", "Fashion > Sportswear > Leggings", ("Training Leggings",
            "High-Waist Leggings", "Running Tights"), ("recycled polyester", "recycled nylon",
            "polyester"), ("sporty",), (79, 299), _SPORT, "clothing", 0.04,
            genders=("women", "unisex")),
    _Family("sport_top", "Fashion > Sportswear > Training Tops", ("Running Tee",
            "Training Tank Top", "Half-Zip Running Top", "Sports Bra"), ("recycled polyester",
            "polyester", "merino wool"), ("sporty",), (69, 349), _SPORT, "clothing", 0.05),
    _Family("dress", "Fashion > Dresses & Skirts > Dresses", ("Midi Dress", "Maxi Dress",
            "Wrap Dress", "Shirt Dress", "Slip Dress"), ("cotton", "linen", "tencel", "silk",
            "organic cotton", "recycled polyester"), ("boho", "elegant", "minimal", "classic"),
            (129, 699), ("H&M", "Reserved", "Mango", "Massimo Dutti", "Sinsay", "People Tree",
            "Armedangels", "Calvin Klein"), "clothing", 0.06, genders=("women",),
            patterns=("solid", "floral", "floral", "printed", "striped")),
    _Family("skirt", "Fashion > Dresses & Skirts > Skirts", ("Pleated Skirt", "Denim Skirt",
            "Midi Skirt", "Wrap Skirt"), ("cotton", "linen", "wool", "recycled polyester"),
            ("boho", "elegant", "minimal", "classic"), (99, 449), ("H&M", "Reserved", "Mango",
            "Massimo Dutti", "Sinsay", "People Tree"), "clothing", 0.03, genders=("women",),
            patterns=("solid", "floral", "checked")),
    _Family("jacket", "Fashion > Outerwear > Jackets", ("Denim Jacket", "Bomber Jacket",
            "Rain Jacket", "Puffer Jacket", "Leather Jacket", "Fleece Jacket"), ("cotton",
            "recycled polyester", "polyester", "leather", "vegan leather", "recycled nylon"),
            STYLES, (199, 1299), (*_CASUAL, "The North Face", "Adidas"), "clothing", 0.06,
            patterns=("solid",)),
    _Family("coat", "Fashion > Outerwear > Coats", ("Wool Coat", "Trench Coat", "Parka",
            "Double-Breasted Coat"), ("wool", "cotton", "recycled polyester", "cashmere"),
            ("classic", "elegant", "minimal"), (399, 1899), ("Massimo Dutti", "Mango",
            "Reserved", "Tommy Hilfiger", "Calvin Klein", "Patagonia", "Ecoalf"), "clothing",
            0.04, patterns=("solid", "solid", "checked")),
    _Family("running_shoes", "Fashion > Shoes > Running", ("Running Shoes",
            "Trail Running Shoes", "Road Running Shoes", "Cushioned Running Shoes"),
            ("recycled polyester", "polyester", "recycled nylon"), ("sporty",), (299, 899),
            ("Nike", "Adidas", "Asics", "New Balance", "Puma", "On", "Hoka", "4F"), "shoes", 0.08,
            patterns=("solid",)),
    _Family("sneakers", "Fashion > Shoes > Sneakers", ("Low-Top Sneakers", "High-Top Sneakers",
            "Court Sneakers", "Canvas Sneakers"), ("leather", "vegan leather", "cotton",
            "recycled polyester"), ("streetwear", "minimal", "sporty", "classic"), (229, 799),
            ("Nike", "Adidas", "Veja", "Vans", "Converse", "New Balance", "Puma"), "shoes", 0.07,
            patterns=("solid",)),
    _Family("boots", "Fashion > Shoes > Boots", ("Chelsea Boots", "Hiking Boots", "Ankle Boots",
            "Winter Boots"), ("leather", "vegan leather", "wool"), ("classic", "elegant",
            "streetwear", "boho"), (329, 1099), ("Gino Rossi", "Wittchen", "Timberland",
            "Dr. Martens", "The North Face", "Veja"), "shoes", 0.04, patterns=("solid",)),
    _Family("formal_shoes", "Fashion > Shoes > Formal", ("Derby Shoes", "Loafers", "Pumps",
            "Oxford Shoes"), ("leather", "vegan leather"), ("classic", "elegant"), (279, 949),
            ("Gino Rossi", "Wittchen", "Massimo Dutti", "Clarks"), "shoes", 0.03,
            patterns=("solid",)),
    _Family("socks", "Fashion > Accessories > Socks", ("Running Socks (3-pack)",
            "Hiking Socks", "Everyday Socks (5-pack)", "Ankle Socks (3-pack)"),
            ("cotton", "organic cotton", "merino wool", "recycled polyester"), ("sporty",
            "classic", "minimal"), (25, 99), ("Nike", "Adidas", "Asics", "4F", "H&M",
            "Patagonia", "Falke"), "none", 0.04, genders=("unisex",),
            patterns=("solid", "striped")),
    _Family("bag", "Fashion > Accessories > Bags", ("Leather Tote", "Backpack", "Crossbody Bag",
            "Weekender Bag", "Belt Bag"), ("leather", "vegan leather", "recycled polyester",
            "cotton"), STYLES, (129, 999), ("Wittchen", "Mango", "Patagonia", "The North Face",
            "Massimo Dutti", "Ecoalf", "Calvin Klein"), "none", 0.04, patterns=("solid",)),
    _Family("scarf", "Fashion > Accessories > Scarves & Hats", ("Wool Scarf", "Silk Scarf",
            "Beanie", "Bucket Hat"), ("wool", "merino wool", "silk", "cotton", "cashmere"),
            ("classic", "elegant", "streetwear", "boho", "minimal"), (49, 399), _CASUAL, "none",
            0.03, genders=("unisex", "women", "men"), patterns=("solid", "checked", "printed")),
)


def _sizes(rng: np.random.Generator, family: _Family, gender: str) -> list[str]:
    if family.sizes == "clothing":
        # Most models come in a run of consecutive sizes; a few are sold out at the ends.
        start = int(rng.integers(0, 2))
        stop = int(rng.integers(4, len(CLOTHING_SIZES) + 1))
        return list(CLOTHING_SIZES[start:stop])
    if family.sizes == "shoes":
        low, high = {"women": (36, 42), "men": (40, 46)}.get(gender, (36, 46))
        return [str(size) for size in range(low, high + 1)]
    return []


def _description(family: _Family, noun: str, style: str, materials: list[str],
                 pattern: str, eco: bool, rng: np.random.Generator) -> str:
    opening = a_or_an(f"{_STYLE_WORDS[style]} {noun.lower()}")
    parts = [f"{opening[:1].upper()}{opening[1:]} in {' and '.join(materials)}"]
    if family.sizes == "clothing":
        parts[0] += f", {pick(rng, _FITS)}"
    if pattern != "solid":
        parts[0] += f" with a {pattern} look"
    sentences = [parts[0] + "."]
    if eco:
        sentences.append(pick(rng, (
            "Made from lower-impact materials.",
            "Certified responsible production.",
            "Part of our conscious collection.",
        )))
    sentences.append(pick(rng, (
        "Easy to wear every day.",
        "Pairs well with the rest of the collection.",
        "Machine washable.",
        "Built to last season after season.",
        "Free returns within 30 days.",
    )))
    return " ".join(sentences)


def make_fashion(rng: np.random.Generator, count: int) -> list[ProductDraft]:
    """``count`` fashion drafts, in colour-variant groups.

    >>> drafts = make_fashion(np.random.default_rng(3), 5)
    >>> len(drafts), drafts[0].vertical
    (5, 'Fashion')
    """
    shares = [family.share for family in _FAMILIES]
    drafts: list[ProductDraft] = []
    book = TitleBook()
    model_number = 0
    while len(drafts) < count:
        family = pick(rng, _FAMILIES, shares)
        model_number += 1
        brand = pick(rng, family.brands)
        noun = pick(rng, family.nouns)
        style = pick(rng, family.styles)
        gender = pick(rng, family.genders)
        materials = pick_many(rng, family.materials, 1, 2)
        named = _NOUN_MATERIALS.get(noun.split()[0])
        if named:
            materials = [named]
        if not named and brand in ECO_BRANDS and not ECO_MATERIALS.intersection(materials):
            eco_options = [m for m in family.materials if m in ECO_MATERIALS]
            if eco_options:
                materials = [pick(rng, eco_options)]
        eco = bool(ECO_MATERIALS.intersection(materials)) or brand in ECO_BRANDS
        pattern = pick(rng, family.patterns)
        model = pick(rng, _MODEL_NAMES)
        quality = rng.beta(2.0, 2.0)
        low, high = family.price
        base = low * (high / low) ** quality * _BRAND_PRICE.get(brand, 1.0)
        base = min(max(base, low), high * 1.3)
        material_word = ""
        if not named and (eco or chance(rng, 0.3)):
            material_word = materials[0].title() + " "
        gender_word = {"women": "Women's ", "men": "Men's "}.get(gender, "")
        group = f"{family.kind}-{model_number:05d}"
        colours = pick_many(rng, COLORS, 1, 3)
        for colour in colours:
            if len(drafts) >= count:
                break
            title = book.claim(f"{brand} {model} {gender_word}{material_word}{noun} – {colour}")
            if title is None:
                continue
            facets = {
                "style": style,
                "color": [colour],
                "material": materials,
                "eco": eco,
                "gender": gender,
                "pattern": pattern,
                "age_group": "adult",
            }
            sizes = _sizes(rng, family, gender)
            if sizes:
                facets["size"] = sizes
            drafts.append(ProductDraft(
                kind=family.kind,
                vertical="Fashion",
                category=family.category,
                brand=brand,
                title=title,
                description=_description(family, noun, style, materials, pattern, eco, rng),
                # Colours of one model cost the same, give or take a seasonal colour.
                price=base * (1.1 if chance(rng, 0.1) else 1.0),
                facets=facets,
                item_group=group,
            ))
    return drafts

