"""The catalogue of a generated shop at scale (``prefero bench generate``): products drawn
as NumPy arrays, leaf by leaf, instead of one Python object per product as the demo does.

Every product gets a leaf category of the default facet schema, a brand of its vertical,
a price around its leaf's usual price, stock, an arrival date and the facet values its
vertical's shoppers filter on (colours and sizes for fashion, ecosystems for electronics,
diets and allergens for groceries, skin types for cosmetics), already in their stored form.
A hidden popularity weight per product, long-tailed, drives the behaviour; it is never
stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["LEAVES", "Leaf", "ScaleCatalog", "copy_text", "generate_catalog", "timestamps"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Leaf:
    """A leaf category: its path, the noun titles use, its usual price and its vertical."""

    path: str
    noun: str
    price: float
    share: float = 1.0  # relative number of products

    @property
    def vertical(self) -> str:
        return self.path.split(" > ")[0]


# Paths of the default facet schema's translations, so every label reads in both languages.
LEAVES: tuple[Leaf, ...] = (
    Leaf("Fashion > Tops > T-Shirts", "T-Shirt", 79, 2.0),
    Leaf("Fashion > Tops > Shirts", "Shirt", 149),
    Leaf("Fashion > Tops > Sweaters & Hoodies", "Hoodie", 199),
    Leaf("Fashion > Bottoms > Jeans", "Jeans", 229),
    Leaf("Fashion > Bottoms > Trousers", "Trousers", 189),
    Leaf("Fashion > Dresses & Skirts > Dresses", "Dress", 249),
    Leaf("Fashion > Dresses & Skirts > Skirts", "Skirt", 159),
    Leaf("Fashion > Outerwear > Jackets", "Jacket", 399),
    Leaf("Fashion > Outerwear > Coats", "Coat", 599),
    Leaf("Fashion > Shoes > Running", "Running Shoes", 449),
    Leaf("Fashion > Shoes > Sneakers", "Sneakers", 349, 1.5),
    Leaf("Fashion > Shoes > Boots", "Boots", 499),
    Leaf("Fashion > Sportswear > Leggings", "Leggings", 139),
    Leaf("Fashion > Accessories > Socks", "Socks", 29),
    Leaf("Fashion > Accessories > Bags", "Backpack", 219),
    Leaf("Electronics > Phones > Smartphones", "Smartphone", 2499),
    Leaf("Electronics > Phone Accessories > Cases", "Phone Case", 69, 1.5),
    Leaf("Electronics > Phone Accessories > Chargers & Power Banks", "Charger", 119),
    Leaf("Electronics > Audio > Headphones", "Headphones", 599),
    Leaf("Electronics > Audio > Earbuds", "Earbuds", 399),
    Leaf("Electronics > Audio > Speakers", "Speaker", 449),
    Leaf("Electronics > Computers > Laptops", "Laptop", 4299),
    Leaf("Electronics > Computers > Tablets", "Tablet", 1899),
    Leaf("Electronics > Computers > Monitors", "Monitor", 1199),
    Leaf("Electronics > Cameras > Mirrorless", "Mirrorless Camera", 5499),
    Leaf("Electronics > Camera Accessories > Memory Cards", "Memory Card", 99),
    Leaf("Electronics > Smart Home > Lighting", "Smart Bulb", 89),
    Leaf("Electronics > Wearables > Smartwatches", "Smartwatch", 1299),
    Leaf("Electronics > Gaming > Consoles", "Console", 2299),
    Leaf("Electronics > TV & Video > TVs", "TV", 3499),
    Leaf("Groceries > Bakery > Bread", "Bread", 9),
    Leaf("Groceries > Pasta & Grains > Pasta", "Pasta", 7),
    Leaf("Groceries > Pasta & Grains > Rice & Grains", "Rice", 8),
    Leaf("Groceries > Snacks > Bars", "Bar", 5),
    Leaf("Groceries > Snacks > Chips & Crackers", "Crackers", 8),
    Leaf("Groceries > Dairy & Eggs > Milk & Plant Drinks", "Oat Drink", 8),
    Leaf("Groceries > Dairy & Eggs > Yogurt & Cheese", "Yogurt", 6),
    Leaf("Groceries > Sweets > Chocolate", "Chocolate", 9),
    Leaf("Groceries > Breakfast > Cereals & Muesli", "Muesli", 16),
    Leaf("Groceries > Beverages > Coffee & Tea", "Coffee", 39),
    Leaf("Groceries > Pantry > Spreads & Sauces", "Sauce", 12),
    Leaf("Groceries > Plant-Based > Tofu & Alternatives", "Tofu", 11),
    Leaf("Cosmetics > Skincare > Moisturizers", "Moisturizer", 69),
    Leaf("Cosmetics > Skincare > Cleansers", "Cleanser", 45),
    Leaf("Cosmetics > Skincare > Serums", "Serum", 89),
    Leaf("Cosmetics > Skincare > Sunscreen", "Sunscreen", 59),
    Leaf("Cosmetics > Makeup > Foundation", "Foundation", 99),
    Leaf("Cosmetics > Makeup > Lips", "Lipstick", 49),
    Leaf("Cosmetics > Hair > Shampoo & Conditioner", "Shampoo", 29),
    Leaf("Cosmetics > Body > Body Care", "Body Lotion", 35),
    Leaf("Cosmetics > Fragrance > Perfume", "Perfume", 249),
)
VERTICALS = ("Fashion", "Electronics", "Groceries", "Cosmetics")

# Facet vocabularies, in the stored (case-folded) form the schema gives them.
COLOURS = ("black", "white", "navy", "grey", "beige", "red", "green", "blue", "pink",
           "brown", "olive", "burgundy", "yellow", "cream")
DEVICE_COLOURS = ("black", "white", "silver", "blue", "green", "pink")
CLOTHING_SIZES = ("xs", "s", "m", "l", "xl", "xxl")
SHOE_SIZES = tuple(str(size) for size in range(36, 47))
MATERIALS = ("cotton", "organic cotton", "polyester", "recycled polyester", "linen", "wool",
             "merino wool", "leather", "vegan leather")
ECO_MATERIALS = frozenset({"organic cotton", "recycled polyester", "linen", "vegan leather"})
STYLES = ("classic", "sporty", "streetwear", "boho", "minimal", "elegant")
GENDERS = ("women", "men", "unisex")
PATTERNS = ("solid", "striped", "checked", "floral", "printed", "melange")
ECOSYSTEMS = ("apple", "google", "alexa", "none")
USES = ("photo", "video", "travel", "sport", "fitness", "work", "study", "music", "gaming",
        "smart home", "entertainment")
DIETS = ("vegan", "vegetarian", "gluten free", "keto")
ALLERGENS = ("gluten", "nuts", "lactose", "soy", "eggs")
SKIN_TYPES = ("dry", "oily", "combination", "sensitive", "normal")
TIERS = ("budget", "mid", "premium")
MODEL_NAMES = ("Aurora", "Harbor", "Metro", "Nomad", "Atlas", "Breeze", "Summit", "Pioneer",
               "Vista", "Coast", "Heritage", "Essential", "Studio", "Flow", "Drift", "Terra",
               "Luna", "Sierra", "Echo", "Willow", "Fjord", "Nova", "Solstice", "Canyon",
               "Meadow", "Rivera", "Orbit", "Tempo", "Haven", "Mistral")
_BRAND_HEADS = ("Nor", "Vel", "Kar", "Lum", "Tek", "Mar", "Sol", "Bri", "Zen", "Ora", "Fen",
                "Ast", "Cor", "Dal", "Ely", "Gra", "Hal", "Iso", "Jun", "Kel", "Lor", "Mio",
                "Nev", "Pol")
_BRAND_TAILS = ("ix", "ova", "ent", "ara", "elle", "on", "ika", "ura", "et", "is", "ano",
                "ery", "o", "ia", "ex", "um")
#: Products per brand, roughly: a brand of a large shop carries a few hundred.
PRODUCTS_PER_BRAND = 250
#: The popularity law: the product of rank r (1 = most popular) draws in proportion to
#: (r + offset) ** -exponent, so the head is strong and the tail long, as in shop logs.
POPULARITY_EXPONENT = 0.9
POPULARITY_OFFSET = 20.0
#: NULL in COPY's text format.
NULL = "\\N"


def copy_text(value: str) -> str:
    """``value`` escaped for PostgreSQL's COPY text format (backslash, tab, newlines).

    >>> copy_text('{"a": "x\\\\y"}')
    '{"a": "x\\\\\\\\y"}'
    """
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def timestamps(seconds: IntArray) -> list[str]:
    """Epoch seconds as ISO-8601 UTC text, which COPY reads into ``timestamptz`` (vectorised:
    one NumPy conversion instead of a datetime object per row).

    >>> timestamps(np.array([0, 86_400]))
    ['1970-01-01T00:00:00Z', '1970-01-02T00:00:00Z']
    """
    text = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]").astype(str)
    return [f"{value}Z" for value in text.tolist()]


def brand_names(count: int, rng: np.random.Generator) -> list[str]:
    """``count`` distinct invented brand names ("Norika", "Velent"), in a seeded order; past
    the single-word combinations a second word keeps them distinct.

    >>> len(set(brand_names(500, np.random.default_rng(0))))
    500
    """
    words = [head + tail for head in _BRAND_HEADS for tail in _BRAND_TAILS]
    order = rng.permutation(len(words)).tolist()
    names = [words[i] for i in order]
    extra = 0
    while len(names) < count:
        first, second = divmod(extra, len(words))
        names.append(f"{words[order[first % len(words)]]} {words[order[second]]}")
        extra += 1
    return names[:count]


@dataclass(frozen=True)
class ScaleCatalog:
    """The generated products as parallel arrays (position ``i`` is product ``ids[i]``)."""

    ids: list[str]
    leaf: IntArray
    vertical: IntArray
    brand: IntArray
    brand_names: list[str]
    price: FloatArray
    sale_price: FloatArray  # NaN where the product is not on sale
    out_of_stock: BoolArray
    backorder: BoolArray
    active: BoolArray
    created_s: IntArray  # arrival, epoch seconds
    popularity: FloatArray  # hidden draw weight, never stored
    facet_codes: dict[str, IntArray]

    @property
    def size(self) -> int:
        return len(self.ids)

    @property
    def effective_price(self) -> FloatArray:
        return np.where(np.isnan(self.sale_price), self.price, self.sale_price)

    def facets(self, i: int) -> dict[str, Any]:
        """Product ``i``'s facet values in stored form (what the catalogue import keeps)."""
        leaf = LEAVES[int(self.leaf[i])]
        codes = self.facet_codes
        out: dict[str, Any] = {
            "brand": self.brand_names[int(self.brand[i])].casefold(),
            "category": leaf.path,
            "price_tier": TIERS[int(codes["tier"][i])],
            "condition": "new",
        }
        vertical = leaf.vertical
        picks = int(codes["picks"][i])  # random bits that choose the optional values
        if vertical == "Fashion":
            shoes = " > Shoes > " in leaf.path
            sizes = SHOE_SIZES if shoes else CLOTHING_SIZES
            first = int(codes["size_from"][i]) % (len(sizes) - 2)
            material = MATERIALS[int(codes["material"][i])]
            out.update({
                "color": [COLOURS[int(codes["colour"][i])]],
                "size": list(sizes[first:first + 3 + picks % 4]),
                "material": [material],
                "style": STYLES[int(codes["style"][i])],
                "gender": GENDERS[int(codes["gender"][i])],
                "pattern": PATTERNS[int(codes["pattern"][i])],
                "age_group": "adult",
                "eco": material in ECO_MATERIALS,
            })
        elif vertical == "Electronics":
            uses = {USES[int(codes["use"][i])], USES[(int(codes["use"][i]) + picks) % len(USES)]}
            out.update({
                "color": [DEVICE_COLOURS[int(codes["colour"][i]) % len(DEVICE_COLOURS)]],
                "ecosystem": ECOSYSTEMS[int(codes["ecosystem"][i])],
                "use": sorted(uses),
                "weight_g": float(50 + int(codes["weight"][i])),
            })
        elif vertical == "Groceries":
            bits = picks
            diet = [d for k, d in enumerate(DIETS) if bits >> k & 1]
            if "vegan" in diet and "vegetarian" not in diet:
                diet.append("vegetarian")
            allergens = [a for k, a in enumerate(ALLERGENS) if (bits >> (4 + k)) & 3 == 3]
            if "vegan" in diet:
                allergens = [a for a in allergens if a not in ("lactose", "eggs")]
            out.update({
                "diet": diet,
                "allergens": allergens,
                "sugar_free": bool(bits >> 14 & 1),
                "organic": bool(bits >> 15 & 1),
                "vegan": "vegan" in diet,
            })
        else:
            bits = picks
            out.update({
                "skin_type": [s for k, s in enumerate(SKIN_TYPES) if bits >> k & 1]
                or ["normal"],
                "allergens": ["fragrance"] if bits >> 6 & 1 else [],
                "vegan": bool(bits >> 7 & 1),
                "organic": bool(bits >> 8 & 1),
            })
        return out

    def title(self, i: int) -> str:
        leaf = LEAVES[int(self.leaf[i])]
        model = MODEL_NAMES[int(self.facet_codes["model"][i])]
        brand = self.brand_names[int(self.brand[i])]
        return f"{brand} {model} {leaf.noun}"

    def copy_lines(self, start: int, stop: int, *, currency: str, link: str) -> Iterator[str]:
        """``products`` rows ``start..stop`` in COPY text format, in the column order of
        ``PRODUCT_COLUMNS``."""
        created = timestamps(self.created_s[start:stop])
        for offset, i in enumerate(range(start, stop)):
            leaf = LEAVES[int(self.leaf[i])]
            title = self.title(i)
            sale = self.sale_price[i]
            availability = ("out_of_stock" if self.out_of_stock[i]
                            else "backorder" if self.backorder[i] else "in_stock")
            facets = copy_text(json.dumps(self.facets(i), ensure_ascii=False))
            sale_text = NULL if np.isnan(sale) else f"{sale:.2f}"
            yield (f"{self.ids[i]}\t{copy_text(title)}\t{leaf.noun} by "
                   f"{self.brand_names[int(self.brand[i])]}.\t{link}/p/{self.ids[i]}\t"
                   f"[]\t{self.price[i]:.2f}\t{currency}\t"
                   f"{sale_text}\t{availability}\t"
                   f"{self.brand_names[int(self.brand[i])]}\tnew\t{leaf.path}\t{facets}\t"
                   f"{'t' if self.active[i] else 'f'}\t{created[offset]}\t"
                   f"{created[offset]}\n")


#: The ``products`` columns ``ScaleCatalog.copy_lines`` fills, in order.
PRODUCT_COLUMNS = ("id", "title", "description", "link", "additional_image_links", "price",
                   "currency", "sale_price",
                   "availability", "brand", "condition", "category", "facets", "active",
                   "created_at", "updated_at")


def _shop_prices(raw: FloatArray) -> FloatArray:
    """Prices a shop prints: x.99 below 100, x9.99 below 1000, round fifties above."""
    cheap = np.maximum(np.floor(raw), 1.0) - 0.01
    mid = np.floor(raw / 10.0) * 10.0 + 9.99
    dear = np.round(raw / 50.0) * 50.0 - 0.01
    chosen = np.where(raw < 100, cheap, np.where(raw < 1000, mid, dear))
    return np.asarray(np.round(chosen, 2), dtype=np.float64)


def generate_catalog(rng: np.random.Generator, count: int, *, anchor_s: int) -> ScaleCatalog:
    """``count`` products, ids ``p0000001`` onwards (at least seven digits).

    >>> catalog = generate_catalog(np.random.default_rng(1), 50, anchor_s=1_767_225_600)
    >>> catalog.size, catalog.ids[0], catalog.facets(0)["category"] == LEAVES[
    ...     int(catalog.leaf[0])].path
    (50, 'p0000001', True)
    """
    width = max(7, len(str(count)))
    ids = [f"p{i:0{width}d}" for i in range(1, count + 1)]
    shares = np.array([leaf.share for leaf in LEAVES])
    leaf = rng.choice(len(LEAVES), size=count, p=shares / shares.sum()).astype(np.int64)
    leaf_vertical = np.array([VERTICALS.index(leaf_.vertical) for leaf_ in LEAVES])
    vertical = leaf_vertical[leaf]
    # Brands belong to one vertical; within it a few big ones carry most of the range.
    n_brands = max(len(VERTICALS) * 10, count // PRODUCTS_PER_BRAND)
    names = brand_names(n_brands, rng)
    brand = np.zeros(count, dtype=np.int64)
    per_vertical = np.array_split(np.arange(n_brands), len(VERTICALS))
    for v, pool in enumerate(per_vertical):
        members = np.flatnonzero(vertical == v)
        weights = 1.0 / np.arange(1, len(pool) + 1) ** 0.8
        brand[members] = pool[rng.choice(len(pool), size=len(members), p=weights / weights.sum())]
    brand_level = rng.lognormal(0.0, 0.25, size=n_brands)
    typical = np.array([leaf_.price for leaf_ in LEAVES])
    price = _shop_prices(typical[leaf] * brand_level[brand] * rng.lognormal(0.0, 0.4, count))
    on_sale = rng.random(count) < 0.12
    sale = _shop_prices(price * rng.uniform(0.65, 0.9, count))
    sale_price = np.where(on_sale & (sale < price), sale, np.nan)
    stock = rng.random(count)
    age = rng.random(count)
    # A tenth arrived in the last two weeks; most of the range is older stock.
    days = np.where(age < 0.10, rng.uniform(0.2, 14, count),
                    np.where(age < 0.35, rng.uniform(14, 90, count), rng.uniform(90, 720, count)))
    created_s = anchor_s - (days * 86_400).astype(np.int64)
    rank = rng.permutation(count).astype(np.float64) + 1.0
    popularity = (rank + POPULARITY_OFFSET) ** -POPULARITY_EXPONENT
    effective = np.where(np.isnan(sale_price), price, sale_price)
    tier = np.zeros(count, dtype=np.int64)
    for index in range(len(LEAVES)):
        members = np.flatnonzero(leaf == index)
        if members.size:
            low, high = np.quantile(effective[members], [1 / 3, 2 / 3])
            tier[members] = np.where(effective[members] < low, 0,
                                     np.where(effective[members] < high, 1, 2))
    codes = {
        "tier": tier,
        "picks": rng.integers(0, 1 << 16, count),
        "colour": rng.integers(0, len(COLOURS), count),
        "size_from": rng.integers(0, 64, count),
        "material": rng.integers(0, len(MATERIALS), count),
        "style": rng.integers(0, len(STYLES), count),
        "gender": rng.choice(len(GENDERS), size=count, p=[0.45, 0.4, 0.15]),
        "pattern": rng.integers(0, len(PATTERNS), count),
        "use": rng.integers(0, len(USES), count),
        "ecosystem": rng.choice(len(ECOSYSTEMS), size=count, p=[0.3, 0.2, 0.15, 0.35]),
        "weight": rng.integers(0, 2000, count),
        "model": rng.integers(0, len(MODEL_NAMES), count),
    }
    return ScaleCatalog(
        ids=ids, leaf=leaf, vertical=vertical, brand=brand, brand_names=names, price=price,
        sale_price=sale_price, out_of_stock=stock < 0.03,
        backorder=(stock >= 0.03) & (stock < 0.04),
        active=rng.random(count) >= 0.02, created_s=created_s, popularity=popularity,
        facet_codes=codes)
