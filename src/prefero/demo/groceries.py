"""Groceries: food and drink with diet, allergen, sugar-free and organic facets.

Diet labels are *derived* from what a product contains, never drawn independently, so the
labels cannot contradict the allergens: a "gluten free" product has no gluten, a vegan one
no lactose or eggs, and every grocery carries an ``allergens`` list (empty when none).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from prefero.demo.draft import ProductDraft, TitleBook, chance, pick

__all__ = ["ALLERGENS", "make_groceries"]

ALLERGENS = ("gluten", "nuts", "lactose", "soy", "eggs")
_ORGANIC_BRANDS = frozenset({"Bio Planet", "Vivani", "Naturavena", "Taifun"})
_GF_BRANDS = frozenset({"Schär", "Balviten", "Glutenex"})


@dataclass(frozen=True)
class _Template:
    kind: str
    category: str
    names: tuple[str, ...]
    contains: frozenset[str]
    price: tuple[float, float]
    sizes: tuple[str, ...]
    brands: tuple[str, ...]
    share: float
    vegan: bool = True  # before allergens: lactose or eggs always make it non-vegan
    vegetarian: bool = True
    keto: bool = False
    sugar_free: bool = False
    traces: str | None = None  # an allergen that "may contain" on some packs


def _t(kind: str, category: str, names: tuple[str, ...], contains: str, price: tuple[float, float],
       sizes: tuple[str, ...], brands: tuple[str, ...], share: float, *, vegan: bool = True,
       vegetarian: bool = True, keto: bool = False, sugar_free: bool = False,
       traces: str | None = None) -> _Template:
    return _Template(kind, category, names, frozenset(contains.split()), price, sizes, brands,
                     share, vegan=vegan, vegetarian=vegetarian, keto=keto, sugar_free=sugar_free,
                     traces=traces)


_BREAD = "Groceries > Bakery > Bread"
_PASTA = "Groceries > Pasta & Grains > Pasta"
_GRAINS = "Groceries > Pasta & Grains > Rice & Grains"
_BARS = "Groceries > Snacks > Bars"
_CHIPS = "Groceries > Snacks > Chips & Crackers"
_NUTS = "Groceries > Snacks > Nuts & Dried Fruit"
_MILK = "Groceries > Dairy & Eggs > Milk & Plant Drinks"
_YOGURT = "Groceries > Dairy & Eggs > Yogurt & Cheese"
_EGGS = "Groceries > Dairy & Eggs > Eggs"
_CHOC = "Groceries > Sweets > Chocolate"
_BISCUITS = "Groceries > Sweets > Biscuits"
_CEREAL = "Groceries > Breakfast > Cereals & Muesli"
_SPREADS = "Groceries > Pantry > Spreads & Sauces"
_BAKING = "Groceries > Pantry > Oils & Baking"
_COFFEE = "Groceries > Beverages > Coffee & Tea"
_DRINKS = "Groceries > Beverages > Juices & Soft Drinks"
_MEAT = "Groceries > Meat & Fish > Cold Cuts & Fish"
_PLANT = "Groceries > Plant-Based > Tofu & Alternatives"

_TEMPLATES: tuple[_Template, ...] = (
    _t("bread", _BREAD, ("Sourdough Rye Bread", "Wholegrain Spelt Bread", "Country Wheat Loaf",
       "Seeded Multigrain Bread"), "gluten", (5, 16), ("500 g", "700 g"),
       ("Putka", "Oskroba", "Prefero Bakery"), 0.05),
    _t("bread_gf", _BREAD, ("Gluten-Free Buckwheat Bread", "Gluten-Free Seeded Loaf",
       "Gluten-Free Rice Bread", "Gluten-Free Sandwich Bread"), "eggs", (9, 22), ("300 g", "400 g"),
       ("Schär", "Balviten", "Glutenex"), 0.03),
    _t("pastry", _BREAD, ("Butter Croissants (4 pcs)", "Brioche Rolls (6 pcs)",
       "Cinnamon Buns (4 pcs)"), "gluten lactose eggs", (7, 19), ("240 g", "300 g"),
       ("Oskroba", "Prefero Bakery"), 0.02),
    _t("pasta", _PASTA, ("Spaghetti", "Penne Rigate", "Fusilli", "Farfalle", "Wholegrain Penne"),
       "gluten", (4, 14), ("500 g", "1 kg"), ("Barilla", "Lubella", "De Cecco"), 0.045),
    _t("pasta", _PASTA, ("Egg Tagliatelle", "Egg Noodles", "Pappardelle all'Uovo"),
       "gluten eggs", (6, 16), ("250 g", "500 g"), ("Barilla", "Lubella", "Makarony Polskie"),
       0.02),
    _t("pasta", _PASTA, ("Chickpea Fusilli", "Red Lentil Penne", "Corn & Rice Spaghetti",
       "Brown Rice Penne"), "", (8, 19), ("250 g", "400 g"),
       ("Schär", "Barilla", "Bio Planet", "Sante"), 0.025),
    _t("pasta", _PASTA, ("Konjac Noodles", "Konjac Rice"), "", (9, 18), ("200 g",),
       ("Bio Planet", "Sante"), 0.008, keto=True, sugar_free=True),
    _t("grains", _GRAINS, ("Basmati Rice", "Jasmine Rice", "Quinoa", "Roasted Buckwheat",
       "Millet Groats", "Wild Rice Mix"), "", (5, 24), ("400 g", "1 kg"),
       ("Kupiec", "Sonko", "Bio Planet"), 0.04),
    _t("grains", _GRAINS, ("Pearl Barley", "Couscous", "Bulgur", "Rolled Oats"), "gluten", (3, 12),
       ("400 g", "500 g", "1 kg"), ("Kupiec", "Sonko", "Melvit"), 0.03),
    _t("grains", _GRAINS, ("Gluten-Free Oats", "Gluten-Free Oat Flakes"), "", (9, 19),
       ("400 g", "500 g"), ("Schär", "Melvit", "Glutenex"), 0.01),
    _t("bars", _BARS, ("Protein Bar Peanut Caramel", "Protein Bar Cookie Dough",
       "Protein Crisp Bar Chocolate"), "nuts lactose soy", (5, 12), ("55 g", "60 g"),
       ("Go On", "Olimp", "Barebells"), 0.025),
    _t("bars", _BARS, ("Vegan Protein Bar Cocoa", "Vegan Protein Bar Salted Caramel"), "soy",
       (6, 13), ("50 g",), ("Go On", "Bio Planet"), 0.012, traces="nuts"),
    _t("bars", _BARS, ("Keto Bar Coconut Almond", "Keto Bar Dark Chocolate Hazelnut"), "nuts",
       (7, 14), ("40 g",), ("Go On", "Olimp"), 0.012, keto=True, sugar_free=True),
    _t("bars", _BARS, ("Granola Bar Honey Oat", "Granola Bar Cranberry"), "gluten", (2, 6),
       ("40 g",), ("Sante", "Bakalland"), 0.015, vegan=False),
    _t("bars", _BARS, ("Date & Cashew Bar", "Fruit & Nut Bar Apricot"), "nuts", (3, 8), ("35 g",),
       ("Bakalland", "Bio Planet"), 0.012),
    _t("chips", _CHIPS, ("Sea Salt Potato Chips", "Lentil Chips Paprika", "Rice Cakes",
       "Corn Tortilla Chips", "Vegetable Crisps"), "", (4, 12), ("100 g", "150 g"),
       ("Lay's", "Crunchips", "Sante", "Bio Planet"), 0.035, traces="gluten"),
    _t("chips", _CHIPS, ("Wholegrain Crackers", "Rye Crispbread", "Breadsticks"), "gluten",
       (4, 11), ("150 g", "200 g"), ("Wasa", "Lajkonik", "Sante"), 0.02),
    _t("chips", _CHIPS, ("Cheese Crackers", "Cheddar Crisps"), "gluten lactose", (5, 12),
       ("100 g",), ("Lajkonik", "Crunchips"), 0.01),
    _t("chips", _CHIPS, ("Baked Cheese Snack", "Parmesan Crisps"), "lactose", (8, 16), ("60 g",),
       ("Lajkonik", "Prefero Basics"), 0.008, keto=True, sugar_free=True),
    _t("nuts", _NUTS, ("Roasted Almonds", "Cashews", "Walnuts", "Mixed Nuts", "Hazelnuts",
       "Macadamia Nuts"), "nuts", (9, 39), ("150 g", "200 g", "500 g"),
       ("Bakalland", "Kresto", "Bio Planet"), 0.035, keto=True, sugar_free=True),
    _t("dried_fruit", _NUTS, ("Dried Mango", "Raisins", "Dried Cranberries", "Dried Apricots",
       "Dates"), "", (6, 22), ("100 g", "200 g"), ("Bakalland", "Kresto", "Bio Planet"), 0.025,
       traces="nuts"),
    _t("milk", _MILK, ("UHT Milk 2%", "Fresh Milk 3.2%", "Barista Milk"), "lactose", (3, 7),
       ("1 l",), ("Mlekovita", "Łaciate", "Piątnica"), 0.025, vegan=False),
    _t("milk", _MILK, ("Lactose-Free Milk 1.5%", "Lactose-Free Milk 3.2%"), "", (4, 8), ("1 l",),
       ("Mlekovita", "Łaciate"), 0.012, vegan=False),
    _t("plant_drink", _MILK, ("Oat Drink", "Oat Drink Barista"), "gluten", (7, 13), ("1 l",),
       ("Oatly", "Alpro", "Naturavena"), 0.018),
    _t("plant_drink", _MILK, ("Almond Drink Unsweetened", "Hazelnut Drink"), "nuts", (8, 14),
       ("1 l",), ("Alpro", "Naturavena"), 0.012, keto=True, sugar_free=True),
    _t("plant_drink", _MILK, ("Soy Drink", "Soy Drink Vanilla"), "soy", (6, 11), ("1 l",),
       ("Alpro", "Naturavena"), 0.012),
    _t("plant_drink", _MILK, ("Coconut Drink Unsweetened", "Rice Drink"), "", (7, 12), ("1 l",),
       ("Alpro", "Naturavena", "Bio Planet"), 0.01, sugar_free=True),
    _t("yogurt", _YOGURT, ("Natural Greek Yogurt", "Skyr Natural", "Kefir", "Cottage Cheese"),
       "lactose", (2, 9), ("150 g", "330 g", "400 g"), ("Piątnica", "Bakoma", "Mlekovita"), 0.035,
       vegan=False, keto=True),
    _t("cheese", _YOGURT, ("Aged Gouda Slices", "Mozzarella", "Camembert", "Grana Padano"),
       "lactose", (6, 29), ("125 g", "150 g", "200 g"), ("Mlekovita", "Président", "Piątnica"),
       0.025, vegan=False, keto=True, sugar_free=True),
    _t("yogurt", _YOGURT, ("Soy Yogurt Natural", "Coconut Yogurt", "Oat Yogurt Blueberry"), "soy",
       (5, 11), ("400 g",), ("Alpro", "Bio Planet"), 0.012),
    _t("eggs", _EGGS, ("Free-Range Eggs", "Organic Eggs", "Barn Eggs L"), "eggs", (9, 19),
       ("6 pcs", "10 pcs"), ("Fermy Drobiu", "Prefero Basics"),
       0.02, vegan=False, keto=True, sugar_free=True),
    _t("chocolate", _CHOC, ("Dark Chocolate 70%", "Dark Chocolate 85%",
       "Dark Chocolate with Sea Salt"), "soy", (5, 16), ("90 g", "100 g"),
       ("E. Wedel", "Lindt", "Vivani"), 0.03, traces="lactose"),
    _t("chocolate", _CHOC, ("Milk Chocolate with Hazelnuts", "Milk Chocolate", "White Chocolate"),
       "lactose soy nuts", (4, 14), ("90 g", "100 g"), ("E. Wedel", "Milka", "Lindt"), 0.03,
       vegan=False),
    _t("chocolate", _CHOC, ("Sugar-Free Dark Chocolate", "Sugar-Free Milk Chocolate"), "soy",
       (7, 16), ("80 g", "100 g"), ("E. Wedel", "Vivani"), 0.012, sugar_free=True, keto=True),
    _t("biscuits", _BISCUITS, ("Butter Biscuits", "Chocolate Chip Cookies", "Shortbread"),
       "gluten lactose eggs", (4, 13), ("150 g", "200 g"), ("Delicje", "Petitki", "Prefero Basics"),
       0.025, vegan=False),
    _t("biscuits", _BISCUITS, ("Oat Cookies", "Digestive Biscuits"), "gluten", (4, 11),
       ("200 g",), ("Sante", "Petitki"), 0.015, traces="nuts"),
    _t("biscuits", _BISCUITS, ("Gluten-Free Chocolate Chip Cookies", "Gluten-Free Shortbread"),
       "eggs lactose", (9, 17), ("150 g",), ("Schär", "Balviten"), 0.01, vegan=False),
    _t("cereal", _CEREAL, ("Crunchy Granola with Nuts", "Muesli with Fruit", "Corn Flakes",
       "Chocolate Granola"), "gluten", (7, 19), ("350 g", "500 g"), ("Sante", "Bakalland",
       "Nestlé"), 0.03, traces="nuts"),
    _t("cereal", _CEREAL, ("Gluten-Free Granola", "Gluten-Free Muesli"), "nuts", (13, 25),
       ("300 g",), ("Schär", "Sante", "Balviten"), 0.012),
    _t("cereal", _CEREAL, ("Keto Granola Cocoa", "Keto Nut Muesli"), "nuts", (19, 34), ("300 g",),
       ("Sante", "Bio Planet"), 0.01, keto=True, sugar_free=True),
    _t("spread", _SPREADS, ("Peanut Butter Smooth", "Peanut Butter Crunchy", "Almond Butter"),
       "nuts", (9, 29), ("350 g",), ("Sante", "Primavika", "Bio Planet"), 0.02, keto=True,
       sugar_free=True),
    _t("spread", _SPREADS, ("Hazelnut Cocoa Spread",), "nuts lactose soy", (9, 19), ("350 g",),
       ("Nutella", "E. Wedel"), 0.01, vegan=False),
    _t("sauce", _SPREADS, ("Basil Pesto", "Pesto Rosso"), "nuts lactose", (9, 17), ("190 g",),
       ("Barilla", "Dawtona"), 0.012, vegan=False, keto=True),
    _t("sauce", _SPREADS, ("Hummus Classic", "Tomato Passata", "Arrabbiata Sauce", "Ajvar"), "",
       (5, 12), ("200 g", "500 g"), ("Dawtona", "Pudliszki", "Primavika"), 0.03),
    _t("spread", _SPREADS, ("Strawberry Jam", "Plum Butter"), "", (6, 13), ("280 g",),
       ("Łowicz", "Stovit"), 0.012),
    _t("spread", _SPREADS, ("No-Added-Sugar Strawberry Jam", "No-Added-Sugar Cherry Jam"), "",
       (8, 15), ("220 g",), ("Łowicz", "Stovit"), 0.008, sugar_free=True),
    _t("sauce", _SPREADS, ("Mayonnaise",), "eggs", (6, 12), ("300 ml",), ("Winiary", "Kielecki"),
       0.01, vegan=False, keto=True, sugar_free=True),
    _t("sauce", _SPREADS, ("Soy Sauce",), "soy gluten", (6, 13), ("150 ml",), ("Kikkoman",
       "House of Asia"), 0.008),
    _t("sauce", _SPREADS, ("Tamari Gluten-Free Soy Sauce",), "soy", (11, 19), ("150 ml",),
       ("Kikkoman", "Bio Planet"), 0.006, keto=True),
    _t("baking", _BAKING, ("Extra Virgin Olive Oil", "Cold-Pressed Rapeseed Oil", "Coconut Oil"),
       "", (12, 49), ("500 ml", "1 l"), ("Monini", "Kujawski", "Bio Planet"), 0.025, keto=True,
       sugar_free=True),
    _t("baking", _BAKING, ("Almond Flour", "Coconut Flour"), "nuts", (15, 35), ("500 g",),
       ("Bio Planet", "Bakalland"), 0.01, keto=True, sugar_free=True),
    _t("baking", _BAKING, ("Wheat Flour Type 650", "Spelt Flour", "Rye Flour Type 720"), "gluten",
       (3, 12), ("1 kg",), ("Szymanowska", "Młyny Stoisław", "Bio Planet"), 0.015),
    _t("baking", _BAKING, ("Erythritol Sweetener", "Stevia Sweetener"), "", (12, 29), ("500 g",),
       ("Bio Planet", "Prefero Basics"), 0.008, keto=True, sugar_free=True),
    _t("coffee", _COFFEE, ("Whole Bean Coffee Espresso Blend", "Ground Coffee Crema",
       "Whole Bean Coffee Single Origin Ethiopia", "Decaf Ground Coffee"), "", (19, 89),
       ("250 g", "500 g", "1 kg"), ("Lavazza", "Segafredo", "Tchibo", "Coffeedesk Roasters"), 0.04,
       keto=True, sugar_free=True),
    _t("tea", _COFFEE, ("Green Tea Sencha", "Earl Grey", "Chamomile Herbal Tea", "Matcha Powder",
       "Rooibos"), "", (7, 49), ("20 bags", "100 g"), ("Tetley", "Vitax", "Bio Planet"), 0.025,
       keto=True, sugar_free=True),
    _t("juice", _DRINKS, ("Orange Juice 100%", "Apple Juice 100%", "Multivitamin Juice",
       "Kombucha Ginger"), "", (4, 13), ("1 l", "330 ml"), ("Tymbark", "Hortex", "Bio Planet"),
       0.025),
    _t("soft_drink", _DRINKS, ("Sparkling Mineral Water", "Zero Sugar Cola",
       "Zero Sugar Lemonade", "Still Mineral Water"), "", (2, 6), ("1.5 l", "500 ml"),
       ("Cisowianka", "Żywiec Zdrój", "Coca-Cola"), 0.025, keto=True, sugar_free=True),
    _t("meat", _MEAT, ("Cooked Ham Slices", "Kabanos Sausages", "Smoked Turkey Breast",
       "Pork Sirloin Slices"), "", (7, 19), ("100 g", "150 g"), ("Sokołów", "Krakus", "Tarczyński"),
       0.03, vegan=False, vegetarian=False, keto=True, sugar_free=True),
    _t("fish", _MEAT, ("Smoked Salmon Slices", "Tuna in Olive Oil", "Herring Fillets in Oil"), "",
       (8, 29), ("100 g", "170 g"), ("Graal", "Lisner", "Suempol"), 0.02, vegan=False,
       vegetarian=False, keto=True, sugar_free=True),
    _t("tofu", _PLANT, ("Smoked Tofu", "Natural Tofu", "Tempeh"), "soy", (7, 15), ("180 g",),
       ("Taifun", "Polsoja", "Bio Planet"), 0.018, keto=True, sugar_free=True),
    _t("meat_alternative", _PLANT, ("Plant-Based Burger (2 pcs)", "Seitan Strips",
       "Plant-Based Nuggets"), "soy gluten", (10, 22), ("200 g", "226 g"),
       ("Beyond Meat", "Garden Gourmet", "Roślinnie"), 0.018),
    _t("meat_alternative", _PLANT, ("Falafel (12 pcs)", "Chickpea Patties"), "", (8, 15),
       ("250 g",), ("Roślinnie", "Bio Planet"), 0.01),
)


def make_groceries(rng: np.random.Generator, count: int) -> list[ProductDraft]:
    """``count`` grocery drafts with consistent diet and allergen facets.

    >>> drafts = make_groceries(np.random.default_rng(2), 50)
    >>> all("gluten" not in d.facets["allergens"]
    ...     for d in drafts if "gluten free" in d.facets["diet"])
    True
    """
    shares = [template.share for template in _TEMPLATES]
    drafts: list[ProductDraft] = []
    book = TitleBook()
    while len(drafts) < count:
        template = pick(rng, _TEMPLATES, shares)
        brand = pick(rng, template.brands)
        name = pick(rng, template.names)
        size = pick(rng, template.sizes)
        allergens = set(template.contains)
        if template.traces and chance(rng, 0.25):
            allergens.add(template.traces)
        organic = brand in _ORGANIC_BRANDS or "Organic" in name or chance(rng, 0.15)
        # Non-vegan by recipe (honey, meat, milk) or by allergen: lactose and eggs are animal.
        vegan = template.vegan and not allergens & {"lactose", "eggs"}
        diet: list[str] = []
        if vegan:
            diet.append("vegan")
        if template.vegetarian:
            diet.append("vegetarian")
        # Only products without gluten may carry the label; most of them do, GF brands always.
        gluten_free_name = "Gluten-Free" in name
        if "gluten" not in allergens and (gluten_free_name or brand in _GF_BRANDS
                                          or chance(rng, 0.8)):
            diet.append("gluten free")
        if template.keto:
            diet.append("keto")
        label_bits = []
        if organic and "Organic" not in name:
            label_bits.append("Organic")
        title = book.claim(" ".join([brand, *label_bits, name, size]))
        if title is None:
            continue
        low, high = template.price
        quality = rng.beta(2.0, 2.0)
        price = low * (high / low) ** quality * (1.25 if organic else 1.0)
        if size in ("1 kg", "1 l", "500 g") and template.sizes[0] != size:
            price *= 1.6
        ordered_allergens = [a for a in ALLERGENS if a in allergens]
        drafts.append(ProductDraft(
            kind=template.kind,
            vertical="Groceries",
            category=template.category,
            brand=brand,
            title=title,
            description=_description(name, size, diet, ordered_allergens, organic,
                                     template.sugar_free, template.traces in allergens
                                     if template.traces else False),
            price=price,
            facets={
                "diet": diet,
                "allergens": ordered_allergens,
                "sugar_free": template.sugar_free,
                "organic": organic,
                "vegan": vegan,
            },
        ))
    return drafts


def _description(name: str, size: str, diet: list[str], allergens: list[str], organic: bool,
                 sugar_free: bool, traces: bool) -> str:
    sentences = [f"{name}, {size}."]
    claims = [label.capitalize() for label in diet if label != "vegetarian" or "vegan" not in diet]
    if organic:
        claims.insert(0, "Certified organic")
    if sugar_free:
        claims.append("no added sugar")
    if claims:
        sentences.append(", ".join(claims) + ".")
    if allergens:
        sentences.append(f"Contains: {', '.join(allergens)}.")
        if traces:
            sentences.append("Packed in a facility that also handles other allergens.")
    else:
        sentences.append("Free from the major allergens.")
    return " ".join(sentences)
