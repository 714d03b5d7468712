"""Electronics: cameras and their accessories, phones, audio, smart home, gaming, computers,
wearables and TV, with ecosystem, use and numeric spec facets.

A model (say "Sony Alpha 6700") gets its specs the first time it is drawn and keeps them, so
that its variants (kit lens, colour, storage) agree with each other; only the variant part
changes price and title.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from prefero.demo.draft import ProductDraft, TitleBook, a_or_an, chance, pick, pick_many

__all__ = ["ECOSYSTEMS", "make_electronics"]

ECOSYSTEMS = ("apple", "google", "alexa", "none")
_ECOSYSTEM_SENTENCE = {
    "apple": "Made for Apple Home and iCloud users.",
    "google": "Works with Google Home and Android.",
    "alexa": "Alexa built in, or works with Alexa.",
}
_WORKS_WITH = {"apple": "Apple Home", "google": "Google Home", "alexa": "Alexa"}
_CLOSINGS = (
    "Two-year manufacturer warranty.",
    "Ships from our Warsaw warehouse within 24 hours.",
    "Free delivery and 30-day returns.",
    "Genuine product with a Polish VAT invoice.",
    "Polish user manual in the box.",
)

Spec = Callable[[np.random.Generator, float, str, str], dict[str, Any]]
# A variant turns a model into one sellable product: (title suffix, price factor, facets).
Variant = Callable[[np.random.Generator, float, str, str], tuple[str, float, dict[str, Any]]]


@dataclass(frozen=True)
class _Line:
    brand: str
    models: tuple[str, ...]  # roughly cheapest first: the position sets the model's quality
    ecosystem: str = "none"
    # The slice of the family's quality (and so price) range this brand's models occupy.
    band: tuple[float, float] = (0.0, 1.0)


@dataclass(frozen=True)
class _Family:
    kind: str
    category: str
    noun: str
    share: float
    price: tuple[float, float]
    lines: tuple[_Line, ...]
    use: tuple[str, ...]
    spec: Spec
    variant: Variant
    refurbished: float = 0.0


def _no_spec(rng: np.random.Generator, q: float, brand: str, model: str) -> dict[str, Any]:
    return {}


def _plain(rng: np.random.Generator, q: float, brand: str, model: str
           ) -> tuple[str, float, dict[str, Any]]:
    return "", 1.0, {}


def _colour_variant(*colours: str) -> Variant:
    def variant(rng: np.random.Generator, q: float, brand: str, model: str
                ) -> tuple[str, float, dict[str, Any]]:
        colour = pick(rng, colours)
        return f" – {colour}", 1.0, {"color": [colour]}

    return variant


def _storage_colour_variant(sizes: tuple[int, ...], colours: tuple[str, ...]) -> Variant:
    def variant(rng: np.random.Generator, q: float, brand: str, model: str
                ) -> tuple[str, float, dict[str, Any]]:
        # Dearer models start at more storage; each step up costs about 15 %.
        first = 1 if q > 0.6 and len(sizes) > 2 else 0
        step = int(rng.integers(first, len(sizes)))
        storage = sizes[step]
        colour = pick(rng, colours)
        label = f"{storage // 1024} TB" if storage >= 1024 else f"{storage} GB"
        return (f" {label} – {colour}", 1.15 ** (step - first),
                {"storage_gb": storage, "color": [colour]})

    return variant


def _ecosystem_variant(rng: np.random.Generator, q: float, brand: str, model: str
                       ) -> tuple[str, float, dict[str, Any]]:
    # Multi-platform smart-home gear is sold per platform bundle, so each product names one.
    ecosystem = pick(rng, ("alexa", "google", "apple"), (0.4, 0.35, 0.25))
    return f" (Works with {_WORKS_WITH[ecosystem]})", 1.0, {"ecosystem": ecosystem}


def _mp(options: tuple[float, ...], q: float) -> float:
    return options[min(len(options) - 1, int(q * len(options)))]


def _camera_spec(mp: tuple[float, ...], weight: tuple[float, float], mount: bool) -> Spec:
    def spec(rng: np.random.Generator, q: float, brand: str, model: str) -> dict[str, Any]:
        facets: dict[str, Any] = {
            "megapixels": _mp(mp, q),
            "weight_g": round(weight[0] + (weight[1] - weight[0]) * q + rng.normal(0, 15)),
            "screen_inches": pick(rng, (3.0, 3.2)) if mount else 3.0,
        }
        if mount:
            facets["tags"] = [f"{brand.lower()} mount"]
        return facets

    return spec


def _kit_variant(rng: np.random.Generator, q: float, brand: str, model: str
                 ) -> tuple[str, float, dict[str, Any]]:
    if chance(rng, 0.4):
        return " with 18-55 mm Kit Lens", 1.18, {"kit": True}
    return " Body", 1.0, {}


def _action_spec(rng: np.random.Generator, q: float, brand: str, model: str) -> dict[str, Any]:
    return {
        "megapixels": _mp((12.0, 20.0, 23.0, 27.0), q),
        "weight_g": round(120 + 75 * q + rng.normal(0, 5)),
        "battery_hours": round(1.2 + 1.6 * q, 1),
    }


def _lens_spec(rng: np.random.Generator, q: float, brand: str, model: str) -> dict[str, Any]:
    return {"weight_g": round(160 + 950 * q + rng.normal(0, 20))}


def _lens_variant(rng: np.random.Generator, q: float, brand: str, model: str
                  ) -> tuple[str, float, dict[str, Any]]:
    if brand in ("Sigma", "Tamron"):
        mount = pick(rng, ("Sony", "Canon", "Nikon", "Fujifilm"))
        return f" for {mount}", 1.0, {"tags": [f"{mount.lower()} mount"]}
    return "", 1.0, {"tags": [f"{brand.lower()} mount"]}


def _card_variant(rng: np.random.Generator, q: float, brand: str, model: str
                  ) -> tuple[str, float, dict[str, Any]]:
    sizes = (64, 128, 256, 512, 1024)
    step = int(rng.integers(0, len(sizes)))
    storage = sizes[step]
    label = "1 TB" if storage == 1024 else f"{storage} GB"
    return f" {label}", 1.55 ** step, {"storage_gb": storage}


def _weight_spec(low: float, high: float) -> Spec:
    def spec(rng: np.random.Generator, q: float, brand: str, model: str) -> dict[str, Any]:
        return {"weight_g": round(low + (high - low) * q + rng.normal(0, (high - low) * 0.03))}

    return spec


def _phone_spec(rng: np.random.Generator, q: float, brand: str, model: str) -> dict[str, Any]:
    return {
        "screen_inches": round(6.1 + 0.8 * q + rng.normal(0, 0.05), 1),
        "battery_hours": round(20 + 12 * q + rng.normal(0, 1)),
        "weight_g": round(165 + 65 * q + rng.normal(0, 4)),
        "megapixels": _mp((48.0, 50.0, 50.0, 200.0), q) if brand != "Apple" else 48.0,
    }


def _case_variant(rng: np.random.Generator, q: float, brand: str, model: str
                  ) -> tuple[str, float, dict[str, Any]]:
    targets = {
        "Apple": ("iPhone 15", "iPhone 16", "iPhone 16 Pro", "iPhone 16 Pro Max"),
        "Samsung": ("Galaxy S25", "Galaxy S25 Ultra", "Galaxy A55", "Galaxy S24 FE"),
        "Google": ("Pixel 9", "Pixel 9 Pro", "Pixel 8a"),
    }
    if brand in targets:
        maker = brand
    else:
        maker = pick(rng, ("Apple", "Samsung", "Google"), (0.5, 0.3, 0.2))
    phone = pick(rng, targets[maker])
    ecosystem = "apple" if maker == "Apple" else "google"
    colour = pick(rng, ("Black", "Clear", "Blue", "Pink", "Green"))
    return (f" for {phone} – {colour}", 1.0,
            {"ecosystem": ecosystem, "color": [colour], "tags": [phone.lower()]})


def _audio_spec(battery: tuple[float, float], weight: tuple[float, float]) -> Spec:
    def spec(rng: np.random.Generator, q: float, brand: str, model: str) -> dict[str, Any]:
        grams = weight[0] + (weight[1] - weight[0]) * q
        return {
            "battery_hours": round(battery[0] + (battery[1] - battery[0]) * q + rng.normal(0, 1)),
            # Earbuds weigh a few grams each, where a decimal matters; headphones do not.
            "weight_g": round(grams, 1) if weight[1] < 50 else round(grams),
        }

    return spec


def _speaker_spec(rng: np.random.Generator, q: float, brand: str, model: str) -> dict[str, Any]:
    screens = {"Echo Show 5": 5.5, "Echo Show 8": 8.0, "Nest Hub": 7.0, "Nest Hub Max": 10.0}
    for name, inches in screens.items():
        if model.startswith(name) and (name != "Nest Hub" or "Max" not in model):
            return {"screen_inches": inches}
    return {}


def _console_spec(rng: np.random.Generator, q: float, brand: str, model: str) -> dict[str, Any]:
    storage = {"Xbox Series S": 512, "Switch Lite": 32, "Switch OLED": 64, "Switch 2": 256,
               "PlayStation 5 Pro": 2048, "Xbox Series X": 1024}
    return {"storage_gb": storage.get(model, 1024)}


def _bundle_variant(rng: np.random.Generator, q: float, brand: str, model: str
                    ) -> tuple[str, float, dict[str, Any]]:
    return pick(rng, (
        ("", 1.0, {}),
        (" + Extra Controller", 1.15, {}),
        (" + Game Bundle", 1.12, {}),
    ), (0.6, 0.2, 0.2))


_GAMING_LAPTOPS = frozenset({"Legion 5", "Alienware m16", "Omen 16", "ROG Strix G16", "Nitro V 15"})


_SCREENS = {"Galaxy Tab S10 Ultra": 14.6, "Galaxy Tab S9 FE": 10.9, "iPad mini 8": 8.3,
            "Alienware m16": 16.0, "ThinkPad E14": 14.0, "Chromebook Plus 514": 14.0}


def _screen_from_name(model: str, default: float) -> float:
    # Most model names carry the size ("Zenbook 14"); the ones that mislead are listed.
    if model in _SCREENS:
        return _SCREENS[model]
    match = re.search(r"(?<!\d)(8|10|11|12|13|14|15|16)(?!\d)", model)
    if not match:
        return default
    return {"15": 15.6, "13": 13.3, "11": 11.0}.get(match.group(1), float(match.group(1)))


def _laptop_spec(rng: np.random.Generator, q: float, brand: str, model: str) -> dict[str, Any]:
    gaming = model in _GAMING_LAPTOPS
    return {
        "screen_inches": _screen_from_name(model, 15.6),
        "battery_hours": round((5 + 3 * q) if gaming else (8 + 14 * q)),
        "weight_g": round((2200 + 400 * q) if gaming else (1150 + 700 * q + rng.normal(0, 40))),
        "use": ["gaming"] if gaming else pick_many(rng, ("work", "study", "travel"), 1, 2),
    }


def _tablet_spec(rng: np.random.Generator, q: float, brand: str, model: str) -> dict[str, Any]:
    return {
        "screen_inches": _screen_from_name(model, 10.9),
        "battery_hours": round(10 + 5 * q),
        "weight_g": round(300 + 380 * q + rng.normal(0, 15)),
    }


def _ereader_spec(rng: np.random.Generator, q: float, brand: str, model: str) -> dict[str, Any]:
    return {
        "screen_inches": round(6.0 + 4.2 * q, 1),
        "battery_hours": round(600 + 500 * rng.random()),
        "weight_g": round(160 + 270 * q),
        "storage_gb": 16 if q < 0.5 else 32,
    }


def _watch_spec(rng: np.random.Generator, q: float, brand: str, model: str) -> dict[str, Any]:
    battery = {"Apple": (18, 36), "Samsung": (30, 80), "Google": (24, 36), "Garmin": (150, 400),
               "Amazfit": (200, 400), "Fitbit": (120, 170), "Xiaomi": (250, 400)}
    low, high = battery.get(brand, (24, 72))
    return {
        "battery_hours": round(low + (high - low) * q),
        "weight_g": round(25 + 50 * q + rng.normal(0, 2)),
        "screen_inches": round(1.2 + 0.8 * q, 1),
    }


def _tv_variant(rng: np.random.Generator, q: float, brand: str, model: str
                ) -> tuple[str, float, dict[str, Any]]:
    sizes = (43, 50, 55, 65, 75, 85)
    step = int(rng.integers(0, len(sizes)))
    inches = sizes[step]
    return f' {inches}" 4K', 1.3 ** step, {"screen_inches": inches}


def _monitor_variant(rng: np.random.Generator, q: float, brand: str, model: str
                     ) -> tuple[str, float, dict[str, Any]]:
    sizes = (24, 27, 32, 34)
    step = int(rng.integers(0, len(sizes)))
    return f' {sizes[step]}"', 1.25 ** step, {"screen_inches": sizes[step]}


_BLACK_WHITE = ("Black", "White")
_PHONE_COLOURS = ("Black", "White", "Blue", "Green", "Pink", "Grey")
_AUDIO_COLOURS = ("Black", "White", "Blue", "Beige", "Grey")

_FAMILIES: tuple[_Family, ...] = (
    _Family("camera_mirrorless", "Electronics > Cameras > Mirrorless", "Mirrorless Camera", 0.06,
            (2499, 15999), (
                _Line("Sony", ("ZV-E10 II", "Alpha 6400", "Alpha 6700", "Alpha 7 IV",
                               "Alpha 7C II", "Alpha 7R V")),
                _Line("Canon", ("EOS R50", "EOS R10", "EOS R8", "EOS R7", "EOS R6 Mark II",
                                "EOS R5 Mark II")),
                _Line("Nikon", ("Z50 II", "Z fc", "Z5", "Z6 III", "Z8")),
                _Line("Fujifilm", ("X-T30 II", "X-S20", "X-E4", "X-T5", "X-H2")),
                _Line("Panasonic", ("Lumix G100D", "Lumix S9", "Lumix S5 II")),
            ), ("photo", "video", "travel"),
            _camera_spec((20.2, 24.2, 24.2, 26.1, 33.0, 45.7, 61.0), (340, 900), True),
            _kit_variant),
    _Family("camera_compact", "Electronics > Cameras > Compact", "Compact Camera", 0.035,
            (1299, 7999), (
                _Line("Sony", ("Cyber-shot RX100 VA", "Cyber-shot RX100 VII", "ZV-1 II")),
                _Line("Canon", ("PowerShot SX740 HS", "PowerShot G7 X Mark III",
                                "PowerShot G5 X Mark II")),
                _Line("Panasonic", ("Lumix TZ200", "Lumix LX100 II")),
                _Line("Ricoh", ("GR IIIx",)),
                _Line("Fujifilm", ("XF10", "X100VI")),
            ), ("photo", "travel"),
            _camera_spec((12.1, 20.1, 20.1, 24.2, 26.1, 40.2), (180, 520), False),
            _colour_variant("Black", "Silver")),
    _Family("camera_action", "Electronics > Cameras > Action", "Action Camera", 0.03,
            (899, 2799), (
                _Line("GoPro", ("HERO11 Black Mini", "HERO12 Black", "HERO13 Black")),
                _Line("DJI", ("Osmo Action 4", "Osmo Action 5 Pro", "Osmo Pocket 3")),
                _Line("Insta360", ("Ace Pro 2", "X4")),
            ), ("photo", "sport", "travel"), _action_spec,
            lambda rng, q, b, m: pick(rng, (("", 1.0, {}), (" Adventure Combo", 1.25, {})))),
    _Family("lens", "Electronics > Camera Accessories > Lenses", "Lens", 0.045, (549, 9999), (
                _Line("Sony", ("FE 50mm f/1.8", "E 18-135mm f/3.5-5.6", "FE 85mm f/1.8",
                               "FE 24-70mm f/2.8 GM II", "FE 70-200mm f/2.8 GM II")),
                _Line("Canon", ("RF 50mm f/1.8 STM", "RF-S 18-150mm", "RF 35mm f/1.8 Macro",
                                "RF 24-105mm f/4 L", "RF 70-200mm f/2.8 L")),
                _Line("Nikon", ("Z 40mm f/2", "Z DX 18-140mm", "Z 50mm f/1.8 S",
                                "Z 24-120mm f/4 S", "Z 70-200mm f/2.8 S")),
                _Line("Fujifilm", ("XC 15-45mm", "XF 35mm f/2", "XF 23mm f/1.4 R LM WR",
                                   "XF 16-55mm f/2.8 R LM WR")),
                _Line("Sigma", ("18-50mm f/2.8 DC DN", "56mm f/1.4 DC DN", "24-70mm f/2.8 DG DN")),
                _Line("Tamron", ("17-70mm f/2.8 Di III-A", "28-75mm f/2.8 Di III VXD G2")),
            ), ("photo",), _lens_spec, _lens_variant),
    _Family("memory_card", "Electronics > Camera Accessories > Memory Cards", "Memory Card",
            0.03, (35, 180), (
                _Line("SanDisk", ("Ultra microSDXC", "Extreme microSDXC", "Extreme PRO SDXC")),
                _Line("Samsung", ("EVO Select microSDXC", "PRO Plus SDXC")),
                _Line("Kingston", ("Canvas Select Plus SDXC", "Canvas React Plus SDXC")),
                _Line("Lexar", ("Professional 1066x SDXC", "Professional 1800x SDXC")),
            ), ("photo", "video"), _no_spec, _card_variant),
    _Family("camera_gear", "Electronics > Camera Accessories > Tripods & Bags", "", 0.025,
            (89, 1599), (
                _Line("Joby", ("GorillaPod 3K Kit", "GorillaPod Mobile Rig")),
                _Line("Manfrotto", ("PIXI Mini Tripod", "Befree Advanced Travel Tripod",
                                    "190go! Aluminium Tripod")),
                _Line("Peak Design", ("Capture Clip v3", "Everyday Sling 6L",
                                      "Everyday Backpack 20L", "Travel Tripod Carbon")),
                _Line("Lowepro", ("Adventura SH 140", "ProTactic BP 350 AW II")),
            ), ("photo", "travel"), _weight_spec(90, 1900), _plain),
    _Family("phone", "Electronics > Phones > Smartphones", "Smartphone", 0.09, (799, 7499), (
                _Line("Apple", ("iPhone 15", "iPhone 16", "iPhone 16 Plus", "iPhone 16 Pro",
                                "iPhone 16 Pro Max"), "apple", (0.5, 1.0)),
                _Line("Samsung", ("Galaxy A35", "Galaxy A55", "Galaxy S24 FE", "Galaxy S25",
                                  "Galaxy Z Flip6", "Galaxy S25 Ultra"), "google", (0.1, 1.0)),
                _Line("Google", ("Pixel 8a", "Pixel 9", "Pixel 9 Pro", "Pixel 9 Pro XL"), "google",
                      (0.35, 0.9)),
                _Line("Xiaomi", ("Redmi Note 14", "Redmi Note 14 Pro", "14T Pro"), "google",
                      (0.0, 0.5)),
                _Line("Motorola", ("moto g85", "edge 50 neo", "edge 50 ultra"), "google",
                      (0.0, 0.55)),
            ), ("work", "photo"), _phone_spec,
            _storage_colour_variant((128, 256, 512, 1024), _PHONE_COLOURS), refurbished=0.07),
    _Family("phone_case", "Electronics > Phone Accessories > Cases", "", 0.05, (39, 259), (
                _Line("Spigen", ("Ultra Hybrid Case", "Tough Armor Case", "Liquid Air Case")),
                _Line("OtterBox", ("Symmetry Case", "Defender Case")),
                _Line("PanzerGlass", ("HardCase", "ClearCase")),
                _Line("Apple", ("Silicone Case with MagSafe", "FineWoven Case with MagSafe")),
                _Line("Samsung", ("Silicone Case", "Smart View Wallet Case")),
                _Line("Google", ("Pixel Case",)),
            ), ("work",), _no_spec, _case_variant),
    _Family("charger", "Electronics > Phone Accessories > Chargers & Power Banks", "", 0.04,
            (49, 599), (
                _Line("Ugreen", ("Nexode 30W USB-C Charger", "Nexode 65W GaN Charger",
                                 "USB-C Cable 2 m")),
                _Line("Anker", ("Nano 30W USB-C Charger", "Power Bank 10000 mAh",
                                "737 Power Bank 24000 mAh")),
                _Line("Anker", ("MagGo Magnetic Power Bank", "MagGo 3-in-1 Charging Station"),
                      "apple"),
                _Line("Belkin", ("BoostCharge Pro 3-in-1 MagSafe Stand",
                                 "BoostCharge 2-in-1 MagSafe Pad"), "apple"),
                _Line("Apple", ("USB-C to USB-C Cable 1 m", "20W USB-C Power Adapter",
                                "MagSafe Charger 25W"), "apple"),
                _Line("Samsung", ("25W Super Fast Charger", "45W Super Fast Charger",
                                  "Wireless Charger Duo"), "google"),
                _Line("Google", ("30W USB-C Charger", "Pixel Stand (2nd Gen)"), "google"),
            ), ("work", "travel"), _no_spec, _colour_variant(*_BLACK_WHITE)),
    _Family("headphones", "Electronics > Audio > Headphones", "Wireless Headphones", 0.04,
            (199, 2699), (
                _Line("JBL", ("Tune 670NC", "Tune 770NC", "Live 770NC")),
                _Line("Sony", ("WH-CH720N", "WH-1000XM5")),
                _Line("Marshall", ("Major V", "Monitor III A.N.C.")),
                _Line("Sennheiser", ("HD 450BT", "Momentum 4 Wireless")),
                _Line("Bose", ("QuietComfort Headphones", "QuietComfort Ultra Headphones")),
                _Line("Apple", ("AirPods Max",), "apple", (0.75, 1.0)),
            ), ("music", "travel", "work"), _audio_spec((20, 60), (220, 390)),
            _colour_variant(*_AUDIO_COLOURS)),
    _Family("earbuds", "Electronics > Audio > Earbuds", "Wireless Earbuds", 0.04, (149, 1399), (
                _Line("JBL", ("Tune Flex", "Live Beam 3")),
                _Line("Sony", ("WF-C700N", "WF-1000XM5")),
                _Line("Jabra", ("Elite 4", "Elite 8 Active")),
                _Line("Apple", ("AirPods 4", "AirPods Pro 2"), "apple", (0.5, 1.0)),
                _Line("Samsung", ("Galaxy Buds FE", "Galaxy Buds3 Pro"), "google"),
                _Line("Google", ("Pixel Buds A-Series", "Pixel Buds Pro 2"), "google"),
                _Line("Amazon", ("Echo Buds",), "alexa"),
            ), ("music", "sport", "work"), _audio_spec((5, 10), (4.0, 7.0)),
            _colour_variant(*_AUDIO_COLOURS)),
    _Family("portable_speaker", "Electronics > Audio > Speakers", "Bluetooth Speaker", 0.025,
            (149, 1299), (
                _Line("JBL", ("Go 4", "Flip 6", "Charge 5", "Xtreme 4")),
                _Line("Sony", ("ULT Field 1", "ULT Field 7")),
                _Line("Marshall", ("Emberton III", "Stanmore III")),
                _Line("Bose", ("SoundLink Flex", "SoundLink Max")),
            ), ("music", "travel"), _audio_spec((8, 24), (300, 2500)),
            _colour_variant(*_AUDIO_COLOURS)),
    _Family("smart_speaker", "Electronics > Smart Home > Smart Speakers", "", 0.04, (149, 1599), (
                _Line("Amazon", ("Echo Pop", "Echo Dot (5th Gen)", "Echo Show 5", "Echo Show 8",
                                 "Echo (4th Gen)", "Echo Studio"), "alexa"),
                _Line("Google", ("Nest Mini", "Nest Hub (2nd Gen)", "Nest Audio", "Nest Hub Max"),
                      "google"),
                _Line("Apple", ("HomePod mini", "HomePod (2nd Gen)"), "apple"),
                _Line("Sonos", ("Era 100", "Era 300"), "alexa"),
            ), ("smart home", "music"), _speaker_spec, _colour_variant("Black", "White", "Blue")),
    _Family("smart_lighting", "Electronics > Smart Home > Lighting", "", 0.03, (59, 1199), (
                _Line("TP-Link Tapo", ("L530E Smart Bulb", "L900 LED Strip 5 m")),
                _Line("Philips Hue", ("White Ambiance Bulb E27", "Go Portable Lamp",
                                      "Play Light Bar (2-pack)", "White and Colour Starter Kit")),
                _Line("Nanoleaf", ("Essentials Bulb", "Shapes Hexagons (9 panels)")),
            ), ("smart home",), _no_spec, _ecosystem_variant),
    _Family("smart_plugs", "Electronics > Smart Home > Plugs & Sensors", "", 0.025, (49, 899), (
                _Line("TP-Link Tapo", ("P110 Smart Plug", "T310 Temperature Sensor")),
                _Line("Aqara", ("Motion Sensor P1", "Door and Window Sensor", "Hub M2")),
                _Line("Eve", ("Energy Smart Plug", "Door & Window", "Thermo"), "apple"),
                _Line("Amazon", ("Smart Plug",), "alexa"),
                _Line("Google", ("Nest Thermostat", "Nest Learning Thermostat"), "google"),
            ), ("smart home",), _no_spec,
            lambda rng, q, b, m: ("", 1.0, {}) if b in ("Eve", "Amazon", "Google")
            else _ecosystem_variant(rng, q, b, m)),
    _Family("smart_security", "Electronics > Smart Home > Security", "", 0.025, (199, 1499), (
                _Line("Ring", ("Indoor Camera", "Stick Up Cam Battery", "Battery Video Doorbell",
                               "Video Doorbell Pro 2"), "alexa"),
                _Line("Google", ("Nest Cam (indoor, wired)", "Nest Cam (battery)",
                                 "Nest Doorbell (battery)"), "google"),
                _Line("Eve", ("Cam", "Outdoor Cam"), "apple"),
                _Line("Arlo", ("Essential Indoor Camera", "Pro 5S 2K")),
            ), ("smart home",), _no_spec, _colour_variant(*_BLACK_WHITE)),
    _Family("console", "Electronics > Gaming > Consoles", "Console", 0.02, (899, 3599), (
                _Line("Nintendo", ("Switch Lite", "Switch OLED", "Switch 2")),
                _Line("Microsoft", ("Xbox Series S", "Xbox Series X")),
                _Line("Sony", ("PlayStation 5 Slim Digital Edition", "PlayStation 5 Slim",
                               "PlayStation 5 Pro")),
            ), ("gaming",), _console_spec, _bundle_variant),
    _Family("gaming_accessory", "Electronics > Gaming > Controllers & Accessories", "", 0.04,
            (99, 1199), (
                _Line("Nintendo", ("Joy-Con Pair", "Switch Pro Controller")),
                _Line("Microsoft", ("Xbox Wireless Controller", "Xbox Elite Controller Series 2")),
                _Line("Sony", ("DualSense Wireless Controller", "PULSE 3D Wireless Headset",
                               "DualSense Edge Controller")),
                _Line("Logitech", ("G435 Headset", "G502 X Mouse", "G Pro X Superlight 2 Mouse",
                                   "G915 X TKL Keyboard")),
                _Line("Razer", ("DeathAdder V3 Mouse", "BlackShark V2 Pro Headset",
                                "Kishi Ultra Controller")),
            ), ("gaming",), _weight_spec(60, 380), _colour_variant("Black", "White", "Red")),
    _Family("laptop", "Electronics > Computers > Laptops", "Laptop", 0.06, (1999, 13999), (
                _Line("Acer", ("Aspire 5", "Chromebook Plus 514", "Nitro V 15", "Swift Go 14"),
                      band=(0.0, 0.6)),
                _Line("Lenovo", ("IdeaPad Slim 5", "ThinkPad E14", "Legion 5", "Yoga Slim 7")),
                _Line("HP", ("Pavilion 15", "Envy x360 14", "Omen 16")),
                _Line("Dell", ("Inspiron 15", "XPS 13", "Alienware m16")),
                _Line("Asus", ("Vivobook 15", "Zenbook 14 OLED", "ROG Strix G16")),
                _Line("Apple", ("MacBook Air 13 M3", "MacBook Air 15 M3", "MacBook Pro 14 M4",
                                "MacBook Pro 16 M4 Pro"), "apple", (0.45, 1.0)),
            ), ("work", "study"), _laptop_spec,
            _storage_colour_variant((256, 512, 1024, 2048), ("Silver", "Grey", "Black")),
            refurbished=0.05),
    _Family("tablet", "Electronics > Computers > Tablets", "Tablet", 0.035, (449, 7999), (
                _Line("Amazon", ("Fire HD 8", "Fire HD 10", "Fire Max 11"), "alexa", (0.0, 0.35)),
                _Line("Lenovo", ("Tab M11", "Tab P12"), "google"),
                _Line("Samsung", ("Galaxy Tab A9+ 11", "Galaxy Tab S9 FE", "Galaxy Tab S10 Ultra"),
                      "google"),
                _Line("Apple", ("iPad 11", "iPad mini 8", "iPad Air 11", "iPad Pro 13"), "apple",
                      (0.3, 1.0)),
            ), ("study", "work", "travel"), _tablet_spec,
            _storage_colour_variant((64, 128, 256, 512, 1024), ("Grey", "Silver", "Blue"))),
    _Family("ereader", "Electronics > Computers > E-Readers", "E-Reader", 0.015, (449, 1899), (
                _Line("PocketBook", ("Verse Pro", "InkPad 4")),
                _Line("Kobo", ("Clara BW", "Libra Colour")),
                _Line("Amazon", ("Kindle", "Kindle Paperwhite", "Kindle Scribe"), "alexa"),
            ), ("study", "travel"), _ereader_spec, _colour_variant("Black", "Green", "Pink")),
    _Family("pc_accessory", "Electronics > Computers > Accessories", "", 0.04, (69, 899), (
                _Line("Logitech", ("Pebble Mouse 2", "Lift Vertical Mouse", "MX Master 3S Mouse",
                                   "MX Keys S Keyboard", "Brio 500 Webcam")),
                _Line("Microsoft", ("Bluetooth Ergonomic Mouse", "Surface Keyboard")),
                _Line("Apple", ("Magic Mouse", "Magic Keyboard", "Magic Trackpad"), "apple"),
                _Line("Ugreen", ("USB-C Hub 7-in-1", "Laptop Stand")),
            ), ("work",), _weight_spec(60, 800), _colour_variant("Black", "White", "Grey")),
    _Family("monitor", "Electronics > Computers > Monitors", "Monitor", 0.025, (549, 4999), (
                _Line("Samsung", ("Essential S3", "Odyssey G5", "ViewFinity S8")),
                _Line("LG", ("UltraGear 27GS75Q", "UltraFine 4K")),
                _Line("Dell", ("S2725H", "UltraSharp U2724D")),
                _Line("Asus", ("ProArt PA278CV", "ROG Strix XG27ACS")),
            ), ("work", "gaming"), _no_spec, _monitor_variant),
    _Family("smartwatch", "Electronics > Wearables > Smartwatches", "Smartwatch", 0.045,
            (399, 4499), (
                _Line("Amazfit", ("Bip 5", "GTR 4", "Balance"), band=(0.0, 0.4)),
                _Line("Garmin", ("Forerunner 165", "Venu 3", "Forerunner 265", "Fenix 8")),
                _Line("Samsung", ("Galaxy Watch FE", "Galaxy Watch7", "Galaxy Watch Ultra"),
                      "google"),
                _Line("Google", ("Pixel Watch 3",), "google"),
                _Line("Apple", ("Watch SE", "Watch Series 10", "Watch Ultra 2"), "apple",
                      (0.3, 1.0)),
            ), ("sport", "fitness"), _watch_spec, _colour_variant("Black", "Silver", "Pink",
                                                                   "Green")),
    _Family("fitness_tracker", "Electronics > Wearables > Fitness Trackers", "Fitness Tracker",
            0.02, (149, 899), (
                _Line("Xiaomi", ("Smart Band 9", "Smart Band 9 Pro"), "google"),
                _Line("Garmin", ("vivosmart 5", "vivoactive 5")),
                _Line("Fitbit", ("Inspire 3", "Charge 6"), "google"),
            ), ("sport", "fitness"), _watch_spec, _colour_variant("Black", "Pink", "Blue")),
    _Family("tv", "Electronics > TV & Video > TVs", "TV", 0.04, (1299, 9999), (
                _Line("TCL", ("P755 LED", "C655 QLED", "C805 Mini LED"), "google"),
                _Line("Philips", ("PUS8009 Ambilight", "OLED809 Ambilight")),
                _Line("Samsung", ("Crystal UHD DU7172", "QLED Q80D", "Neo QLED QN90D",
                                  "OLED S90D")),
                _Line("LG", ("UHD UT73", "NanoCell NANO82", "OLED evo C4", "OLED evo G4")),
                _Line("Sony", ("Bravia 3", "Bravia 7", "Bravia 8 OLED"), "google"),
            ), ("entertainment",), _no_spec, _tv_variant),
    _Family("streaming", "Electronics > TV & Video > Streaming Devices", "", 0.02, (149, 899), (
                _Line("Xiaomi", ("TV Box S (2nd Gen)",), "google"),
                _Line("Amazon", ("Fire TV Stick 4K", "Fire TV Stick 4K Max", "Fire TV Cube"),
                      "alexa"),
                _Line("Google", ("Chromecast with Google TV", "Google TV Streamer"), "google"),
                _Line("Apple", ("Apple TV 4K 64 GB", "Apple TV 4K 128 GB"), "apple"),
            ), ("entertainment", "smart home"), _no_spec, _plain),
)

_SPEC_TEXT = (
    ("megapixels", "{:g} MP sensor"),
    ("storage_gb", "{:g} GB storage"),
    ("screen_inches", '{:g}" screen'),
    ("battery_hours", "up to {:g} h on a charge"),
    ("weight_g", "{:g} g"),
)


def _description(family: _Family, brand: str, model: str, facets: dict[str, Any],
                 rng: np.random.Generator) -> str:
    name = a_or_an(family.noun.lower() or "accessory")
    sentences = [f"{brand} {model}: {name} for {' and '.join(facets['use'])}."]
    specs = ", ".join(text.format(facets[key]) for key, text in _SPEC_TEXT if key in facets)
    if specs:
        sentences.append(specs[:1].upper() + specs[1:] + ".")
    ecosystem = facets.get("ecosystem", "none")
    if ecosystem in _ECOSYSTEM_SENTENCE:
        sentences.append(_ECOSYSTEM_SENTENCE[ecosystem])
    sentences.append(pick(rng, _CLOSINGS))
    return " ".join(sentences)


def make_electronics(rng: np.random.Generator, count: int) -> list[ProductDraft]:
    """``count`` electronics drafts across cameras, phones, audio, smart home and more.

    >>> drafts = make_electronics(np.random.default_rng(5), 4)
    >>> [d.vertical for d in drafts] == ["Electronics"] * 4
    True
    """
    shares = [family.share for family in _FAMILIES]
    # Specs are fixed per model so that variants of one model agree with each other.
    models: dict[tuple[str, str, str], tuple[float, dict[str, Any], str]] = {}
    drafts: list[ProductDraft] = []
    book = TitleBook()
    while len(drafts) < count:
        family = pick(rng, _FAMILIES, shares)
        line = pick(rng, family.lines)
        position = int(rng.integers(len(line.models)))
        model = line.models[position]
        key = (family.kind, line.brand, model)
        if key not in models:
            low_q, high_q = line.band
            within = (position + rng.uniform(0.1, 0.9)) / len(line.models)
            quality = float(np.clip(low_q + (high_q - low_q) * within, 0.0, 1.0))
            group = f"{family.kind}-{len(models) + 1:04d}"
            spec = {"ecosystem": line.ecosystem, "use": list(family.use)}
            spec.update(family.spec(rng, quality, line.brand, model))
            if len(spec["use"]) > 2:
                spec["use"] = pick_many(rng, spec["use"], 2, 3)
            models[key] = (quality, spec, group)
        quality, spec, group = models[key]
        suffix, factor, extra = family.variant(rng, quality, line.brand, model)
        facets = {**spec, **extra}
        facets.pop("kit", None)
        condition = "new"
        prefix = ""
        if family.refurbished and chance(rng, family.refurbished):
            condition, prefix, factor = "refurbished", "Refurbished ", factor * 0.78
        low, high = family.price
        price = low * (high / low) ** quality * factor * rng.uniform(0.96, 1.04)
        name = model if model.startswith(line.brand) else f"{line.brand} {model}"
        noun = f" {family.noun}" if family.noun else ""
        title = book.claim(f"{prefix}{name}{noun}{suffix}")
        if title is None:
            continue
        drafts.append(ProductDraft(
            kind=family.kind,
            vertical="Electronics",
            category=family.category,
            brand=line.brand,
            title=title,
            description=_description(family, line.brand, model, facets, rng),
            price=price,
            facets=facets,
            item_group=group,
            condition=condition,
        ))
    return drafts
