"""Flat pictograms of what a shop sells (a phone, a T-shirt, a chocolate bar, a cream jar),
and which one a product gets from its category and title.

Each pictogram is SVG markup in a 100 × 100 box with colour slots (``string.Template``):
``$c`` the product's colour, ``$d`` a darker and ``$l`` a lighter shade of it, ``$a`` the
brand's accent, ``$k`` ink (near black), ``$w`` off-white. ``prefero.demo.images`` fills the
slots and places the drawing; nothing here is ever taken from product data, so the markup
needs no escaping.
"""

from __future__ import annotations

import re
from string import Template

__all__ = ["NATURAL_COLOURS", "PICTOGRAMS", "pictogram_for"]

# The outline every main shape gets: crisp edges, and white products stay visible on white.
_S = 'stroke="$d" stroke-width="2" stroke-linejoin="round"'
_SCREEN = "#1d2430"
_GLASS = "#33465e"

_SHAPES: dict[str, str] = {
    # --- fashion --------------------------------------------------------------------------
    "tshirt": f"""
<path d="M35 16 L21 22 L8 40 L21 49 L28 42 L28 90 L72 90 L72 42 L79 49 L92 40 L79 22
 L65 16 Q50 29 35 16 Z" fill="$c" {_S}/>
<path d="M35 16 Q50 29 65 16" fill="none" stroke="$d" stroke-width="3"/>""",
    "shirt": f"""
<path d="M34 14 L20 20 L8 72 L19 75 L28 40 L28 92 L72 92 L72 40 L81 75 L92 72 L80 20
 L66 14 Z" fill="$c" {_S}/>
<path d="M34 14 L50 30 L66 14 L61 9 L50 21 L39 9 Z" fill="$l" {_S}/>
<line x1="50" y1="30" x2="50" y2="92" stroke="$d" stroke-width="1.5"/>
<circle cx="53" cy="42" r="1.8" fill="$d"/><circle cx="53" cy="55" r="1.8" fill="$d"/>
<circle cx="53" cy="68" r="1.8" fill="$d"/><circle cx="53" cy="81" r="1.8" fill="$d"/>""",
    "sweater": f"""
<path d="M34 14 L20 20 L8 74 L19 77 L28 42 L28 90 L72 90 L72 42 L81 77 L92 74 L80 20
 L66 14 Q50 24 34 14 Z" fill="$c" {_S}/>
<path d="M34 14 Q50 24 66 14" fill="none" stroke="$d" stroke-width="4"/>
<rect x="28" y="83" width="44" height="7" fill="$d"/>
<path d="M8 74 L19 77 L18 81 L7 78 Z M92 74 L81 77 L82 81 L93 78 Z" fill="$d"/>""",
    "hoodie": f"""
<path d="M34 16 L20 22 L8 74 L19 77 L28 42 L28 90 L72 90 L72 42 L81 77 L92 74 L80 22
 L66 16 Z" fill="$c" {_S}/>
<path d="M34 18 Q34 2 50 2 Q66 2 66 18 Q50 30 34 18 Z" fill="$d" {_S}/>
<path d="M37 62 H63 L67 78 H33 Z" fill="none" stroke="$d" stroke-width="2"/>
<line x1="46" y1="24" x2="45" y2="40" stroke="$l" stroke-width="1.5"/>
<line x1="54" y1="24" x2="55" y2="40" stroke="$l" stroke-width="1.5"/>
<rect x="28" y="84" width="44" height="6" fill="$d"/>""",
    "trousers": f"""
<path d="M28 8 H72 L78 94 H56 L50 36 L44 94 H22 Z" fill="$c" {_S}/>
<rect x="28" y="8" width="44" height="7" fill="$d"/>
<line x1="37" y1="22" x2="34" y2="90" stroke="$d" stroke-width="1" opacity=".6"/>
<line x1="63" y1="22" x2="66" y2="90" stroke="$d" stroke-width="1" opacity=".6"/>""",
    "jeans": f"""
<path d="M28 8 H72 L78 94 H56 L50 36 L44 94 H22 Z" fill="$c" {_S}/>
<rect x="28" y="8" width="44" height="7" fill="$d"/>
<path d="M31 15 Q33 26 42 26 M69 15 Q67 26 58 26" fill="none" stroke="$l"
 stroke-width="1.5" stroke-dasharray="2 2"/>
<path d="M50 15 V34" stroke="$l" stroke-width="1.5" stroke-dasharray="2 2"/>
<circle cx="50" cy="11.5" r="1.8" fill="#c9a43a"/>""",
    "leggings": f"""
<path d="M33 8 H67 L66 94 H55 L50 34 L45 94 H34 Z" fill="$c" {_S}/>
<rect x="33" y="8" width="34" height="8" fill="$d"/>
<line x1="40" y1="20" x2="39" y2="90" stroke="$l" stroke-width="2" opacity=".7"/>""",
    "tank": f"""
<path d="M36 10 L41 10 Q50 30 59 10 L64 10 Q66 30 75 38 L73 90 H27 L25 38 Q34 30 36 10 Z"
 fill="$c" {_S}/>
<path d="M27 76 H73" stroke="$l" stroke-width="3"/>""",
    "dress": f"""
<path d="M38 8 L44 8 Q50 17 56 8 L62 8 L64 33 L60 39 L84 92 H16 L40 39 L36 33 Z"
 fill="$c" {_S}/>
<rect x="37" y="35" width="26" height="5" fill="$d"/>
<path d="M44 40 L36 92 M56 40 L64 92" stroke="$d" stroke-width="1" opacity=".5"/>""",
    "skirt": f"""
<path d="M31 22 H69 L84 86 H16 Z" fill="$c" {_S}/>
<rect x="31" y="22" width="38" height="8" fill="$d"/>
<path d="M40 30 L33 86 M50 30 V86 M60 30 L67 86" stroke="$d" stroke-width="1.2"
 opacity=".55"/>""",
    "coat": f"""
<path d="M31 10 L15 18 L8 84 L20 86 L26 40 L24 94 H76 L74 40 L80 86 L92 84 L85 18
 L69 10 L50 30 Z" fill="$c" {_S}/>
<path d="M31 10 L50 30 L42 46 L34 24 Z M69 10 L50 30 L58 46 L66 24 Z" fill="$d"/>
<rect x="25" y="56" width="50" height="6" fill="$d"/>
<circle cx="56" cy="40" r="2" fill="$k"/><circle cx="56" cy="72" r="2" fill="$k"/>
<circle cx="56" cy="84" r="2" fill="$k"/>""",
    "jacket": f"""
<path d="M32 12 L17 20 L9 76 L21 78 L27 42 L27 80 L73 80 L73 42 L79 78 L91 76 L83 20
 L68 12 L50 24 Z" fill="$c" {_S}/>
<path d="M32 12 L50 24 L68 12 L62 6 H38 Z" fill="$d"/>
<line x1="50" y1="24" x2="50" y2="80" stroke="$k" stroke-width="1.6"/>
<rect x="27" y="74" width="46" height="6" fill="$d"/>
<path d="M33 52 H43 M57 52 H67" stroke="$d" stroke-width="2"/>""",
    "boot": f"""
<path d="M30 8 H58 V58 L82 68 Q92 72 92 82 V86 H28 Z" fill="$c" {_S}/>
<rect x="26" y="84" width="68" height="8" rx="2" fill="$k"/>
<path d="M30 8 H58 V16 H30 Z" fill="$d"/>
<circle cx="52" cy="26" r="1.6" fill="$l"/><circle cx="52" cy="36" r="1.6" fill="$l"/>
<circle cx="52" cy="46" r="1.6" fill="$l"/>""",
    "shoe": f"""
<path d="M8 66 Q9 50 26 49 L48 52 Q64 54 78 60 Q94 65 94 76 V78 H8 Z" fill="$c" {_S}/>
<path d="M8 78 H94 V83 Q94 86 90 86 H12 Q8 86 8 83 Z" fill="$k"/>
<path d="M26 49 Q36 60 54 54" fill="none" stroke="$d" stroke-width="2"/>""",
    "sneaker": f"""
<path d="M8 60 Q9 40 25 40 L39 44 L53 55 Q71 59 86 63 Q95 66 95 75 H8 Z" fill="$c" {_S}/>
<path d="M6 74 H96 Q96 85 87 85 H13 Q6 85 6 74 Z" fill="$w" stroke="$k" stroke-width="1.6"/>
<path d="M22 68 Q50 52 84 66" fill="none" stroke="$a" stroke-width="4" stroke-linecap="round"/>
<path d="M40 47 L46 43 M45 51 L51 47 M50 55 L56 51" stroke="$w" stroke-width="2"
 stroke-linecap="round"/>""",
    "handbag": f"""
<path d="M34 38 Q34 12 50 12 Q66 12 66 38" fill="none" stroke="$d" stroke-width="5"/>
<path d="M16 36 H84 L90 88 H10 Z" fill="$c" {_S}/>
<path d="M16 36 H84 L80 54 H20 Z" fill="$d" opacity=".55"/>
<rect x="45" y="50" width="10" height="8" rx="2" fill="#c9a43a"/>""",
    "backpack": f"""
<path d="M38 16 Q38 6 50 6 Q62 6 62 16" fill="none" stroke="$d" stroke-width="4"/>
<rect x="22" y="14" width="56" height="78" rx="16" fill="$c" {_S}/>
<rect x="31" y="54" width="38" height="30" rx="6" fill="$d"/>
<path d="M31 62 H69" stroke="$l" stroke-width="1.5"/>""",
    "beanie": f"""
<path d="M20 72 Q20 22 50 22 Q80 22 80 72 Z" fill="$c" {_S}/>
<rect x="17" y="64" width="66" height="18" rx="4" fill="$d"/>
<path d="M26 64 V82 M34 64 V82 M42 64 V82 M50 64 V82 M58 64 V82 M66 64 V82 M74 64 V82"
 stroke="$c" stroke-width="1.5" opacity=".6"/>
<circle cx="50" cy="18" r="9" fill="$l" {_S}/>""",
    "bucket_hat": f"""
<path d="M30 62 Q30 26 50 26 Q70 26 70 62 Z" fill="$c" {_S}/>
<path d="M10 72 Q20 58 30 60 H70 Q80 58 90 72 Q50 82 10 72 Z" fill="$d" {_S}/>
<path d="M31 54 H69" stroke="$l" stroke-width="2"/>""",
    "scarf": f"""
<path d="M30 10 H70 V30 Q70 40 58 44 L62 92 H46 L44 48 Q30 44 30 30 Z" fill="$c" {_S}/>
<path d="M46 92 V97 M50 92 V97 M54 92 V97 M58 92 V97" stroke="$d" stroke-width="1.5"/>
<path d="M30 22 H70 M45 60 H61 M46 74 H61" stroke="$d" stroke-width="2"/>""",
    "socks": f"""
<path d="M34 8 H58 V52 L74 62 Q84 70 76 80 Q68 88 58 82 L34 68 Z" fill="$c" {_S}/>
<rect x="34" y="8" width="24" height="10" fill="$d"/>
<path d="M66 66 Q78 68 78 78 Q70 86 62 80 Z" fill="$l"/>""",
    # --- electronics ----------------------------------------------------------------------
    "phone": f"""
<rect x="31" y="6" width="38" height="88" rx="8" fill="$c" {_S}/>
<rect x="34.5" y="12" width="31" height="76" rx="4" fill="{_SCREEN}"/>
<path d="M34.5 16 Q34.5 12 38.5 12 H65.5 L34.5 58 Z" fill="#ffffff" opacity=".09"/>
<rect x="44" y="8.5" width="12" height="2" rx="1" fill="$d"/>
<rect x="40" y="30" width="20" height="3" rx="1.5" fill="$a" opacity=".9"/>""",
    "phone_case": f"""
<rect x="30" y="6" width="40" height="88" rx="9" fill="$c" {_S}/>
<rect x="35" y="11" width="18" height="18" rx="5" fill="$d"/>
<circle cx="40" cy="16" r="3" fill="{_SCREEN}"/><circle cx="48" cy="24" r="3" fill="{_SCREEN}"/>
<circle cx="50" cy="56" r="10" fill="none" stroke="$l" stroke-width="2"/>""",
    "charger": f"""
<rect x="28" y="30" width="44" height="52" rx="9" fill="$c" {_S}/>
<rect x="38" y="16" width="6" height="16" rx="1" fill="#b8bdc4"/>
<rect x="56" y="16" width="6" height="16" rx="1" fill="#b8bdc4"/>
<rect x="42" y="68" width="16" height="5" rx="2.5" fill="$k"/>
<circle cx="50" cy="48" r="3" fill="$a"/>""",
    "tablet": f"""
<rect x="14" y="16" width="72" height="68" rx="7" fill="$c" {_S}/>
<rect x="19" y="21" width="62" height="58" rx="3" fill="{_SCREEN}"/>
<path d="M19 24 Q19 21 22 21 H81 L19 66 Z" fill="#ffffff" opacity=".08"/>
<rect x="26" y="30" width="22" height="16" rx="2" fill="$a" opacity=".85"/>
<rect x="52" y="30" width="22" height="16" rx="2" fill="$l" opacity=".5"/>""",
    "laptop": f"""
<rect x="18" y="16" width="64" height="44" rx="4" fill="$c" {_S}/>
<rect x="22" y="20" width="56" height="36" rx="1.5" fill="{_SCREEN}"/>
<path d="M22 20 H78 L22 50 Z" fill="#ffffff" opacity=".08"/>
<path d="M6 64 H94 L90 72 H10 Z" fill="$l" {_S}/>
<rect x="42" y="64" width="16" height="2.5" rx="1" fill="$d"/>""",
    "monitor": f"""
<rect x="8" y="12" width="84" height="54" rx="3" fill="$k" stroke="$k" stroke-width="2"/>
<rect x="11" y="15" width="78" height="48" fill="{_GLASS}"/>
<path d="M11 15 H89 L11 55 Z" fill="#ffffff" opacity=".08"/>
<rect x="45" y="66" width="10" height="16" fill="$d"/>
<rect x="30" y="82" width="40" height="5" rx="2" fill="$d"/>""",
    "ereader": f"""
<rect x="24" y="8" width="52" height="84" rx="6" fill="$c" {_S}/>
<rect x="29" y="14" width="42" height="64" rx="1.5" fill="#ece9df"/>
<path d="M34 22 H66 M34 29 H66 M34 36 H62 M34 43 H66 M34 50 H58 M34 57 H66 M34 64 H54"
 stroke="#8a8a84" stroke-width="2"/>""",
    "mouse": f"""
<path d="M50 12 Q75 12 75 44 V64 Q75 90 50 90 Q25 90 25 64 V44 Q25 12 50 12 Z" fill="$c"
 {_S}/>
<path d="M25 44 H75 M50 12 V44" stroke="$d" stroke-width="1.5"/>
<rect x="47" y="22" width="6" height="12" rx="3" fill="$a"/>""",
    "keyboard": f"""
<rect x="6" y="30" width="88" height="40" rx="5" fill="$c" {_S}/>
<g fill="$d"><rect x="12" y="36" width="8" height="7" rx="1"/><rect x="23" y="36" width="8"
 height="7" rx="1"/>
<rect x="34" y="36" width="8" height="7" rx="1"/><rect x="45" y="36" width="8" height="7" rx="1"/>
<rect x="56" y="36" width="8" height="7" rx="1"/><rect x="67" y="36" width="8" height="7" rx="1"/>
<rect x="78" y="36" width="10" height="7" rx="1"/><rect x="12" y="47" width="8" height="7" rx="1"/>
<rect x="23" y="47" width="8" height="7" rx="1"/><rect x="34" y="47" width="8" height="7" rx="1"/>
<rect x="45" y="47" width="8" height="7" rx="1"/><rect x="56" y="47" width="8" height="7" rx="1"/>
<rect x="67" y="47" width="8" height="7" rx="1"/><rect x="78" y="47" width="10" height="7" rx="1"/>
<rect x="25" y="58" width="50" height="7" rx="1"/></g>""",
    "hub": f"""
<rect x="14" y="38" width="72" height="26" rx="8" fill="$c" {_S}/>
<rect x="22" y="48" width="10" height="5" rx="1" fill="$k"/>
<rect x="36" y="48" width="10" height="5" rx="1" fill="$k"/>
<rect x="50" y="48" width="10" height="5" rx="1" fill="$k"/>
<rect x="64" y="47" width="14" height="7" rx="1" fill="$k"/>
<path d="M14 51 Q4 51 4 70" fill="none" stroke="$d" stroke-width="3"/>""",
    "camera": f"""
<path d="M33 30 L39 19 H61 L67 30 Z" fill="$c" {_S}/>
<rect x="10" y="30" width="80" height="52" rx="7" fill="$c" {_S}/>
<rect x="10" y="36" width="15" height="40" rx="4" fill="$d"/>
<circle cx="52" cy="56" r="21" fill="$k"/>
<circle cx="52" cy="56" r="15" fill="{_GLASS}"/>
<circle cx="52" cy="56" r="8" fill="#5f7c9c"/>
<circle cx="47" cy="51" r="3.5" fill="#ffffff" opacity=".6"/>
<rect x="72" y="24" width="11" height="6" rx="2" fill="$a"/>""",
    "compact_camera": f"""
<rect x="12" y="28" width="76" height="48" rx="8" fill="$c" {_S}/>
<circle cx="46" cy="53" r="17" fill="$k"/>
<circle cx="46" cy="53" r="11" fill="{_GLASS}"/>
<circle cx="42" cy="49" r="3" fill="#ffffff" opacity=".6"/>
<rect x="70" y="34" width="12" height="8" rx="2" fill="#e8eef4"/>
<rect x="66" y="22" width="14" height="6" rx="2" fill="$a"/>""",
    "action_camera": f"""
<rect x="20" y="22" width="60" height="56" rx="9" fill="$c" {_S}/>
<rect x="28" y="30" width="26" height="26" rx="6" fill="$k"/>
<circle cx="41" cy="43" r="8.5" fill="{_GLASS}"/><circle cx="38" cy="40" r="2.5" fill="#ffffff"
 opacity=".6"/>
<rect x="60" y="32" width="13" height="8" rx="2" fill="$a"/>
<rect x="28" y="62" width="44" height="8" rx="2" fill="$d"/>""",
    "lens": f"""
<rect x="26" y="22" width="48" height="68" rx="6" fill="$k" stroke="$k" stroke-width="2"/>
<rect x="26" y="40" width="48" height="14" fill="#4a4f57"/>
<path d="M26 44 H74 M26 48 H74 M26 52 H74" stroke="#2b2e33" stroke-width="1.2"/>
<rect x="26" y="70" width="48" height="4" fill="$a"/>
<ellipse cx="50" cy="22" rx="24" ry="8" fill="{_GLASS}" stroke="$k" stroke-width="2"/>
<ellipse cx="46" cy="20" rx="7" ry="2.5" fill="#ffffff" opacity=".5"/>""",
    "memory_card": f"""
<path d="M28 8 H62 L74 20 V92 H28 Z" fill="$c" {_S}/>
<rect x="33" y="44" width="36" height="30" rx="2" fill="$a"/>
<path d="M34 12 V24 M40 12 V24 M46 12 V24 M52 12 V24 M58 12 V24" stroke="#c9a43a"
 stroke-width="3"/>""",
    "tripod": """
<path d="M50 34 L22 94 M50 34 L78 94 M50 34 V94" stroke="$k" stroke-width="4"
 stroke-linecap="round"/>
<rect x="38" y="14" width="24" height="22" rx="3" fill="$c" stroke="$d" stroke-width="2"/>
<rect x="34" y="34" width="32" height="6" rx="2" fill="$d"/>""",
    "earbuds": f"""
<rect x="28" y="52" width="44" height="36" rx="15" fill="$c" {_S}/>
<path d="M28 66 H72" stroke="$d" stroke-width="1.5"/>
<circle cx="50" cy="78" r="2" fill="$a"/>
<circle cx="32" cy="26" r="10" fill="$c" {_S}/><rect x="29" y="26" width="6" height="22" rx="3"
 fill="$c" {_S}/>
<circle cx="68" cy="26" r="10" fill="$c" {_S}/><rect x="65" y="26" width="6" height="22" rx="3"
 fill="$c" {_S}/>""",
    "headphones": f"""
<path d="M22 62 V48 Q22 14 50 14 Q78 14 78 48 V62" fill="none" stroke="$d" stroke-width="8"
 stroke-linecap="round"/>
<path d="M22 62 V48 Q22 14 50 14 Q78 14 78 48 V62" fill="none" stroke="$c" stroke-width="5"
 stroke-linecap="round"/>
<rect x="12" y="52" width="22" height="36" rx="10" fill="$c" {_S}/>
<rect x="66" y="52" width="22" height="36" rx="10" fill="$c" {_S}/>
<rect x="28" y="57" width="7" height="26" rx="3" fill="$k"/>
<rect x="65" y="57" width="7" height="26" rx="3" fill="$k"/>""",
    "speaker": f"""
<rect x="10" y="32" width="80" height="42" rx="20" fill="$c" {_S}/>
<g fill="$d"><circle cx="26" cy="46" r="2"/><circle cx="34" cy="46" r="2"/><circle cx="42"
 cy="46" r="2"/>
<circle cx="50" cy="46" r="2"/><circle cx="58" cy="46" r="2"/><circle cx="66" cy="46" r="2"/>
<circle cx="74" cy="46" r="2"/><circle cx="26" cy="54" r="2"/><circle cx="34" cy="54" r="2"/>
<circle cx="42" cy="54" r="2"/><circle cx="50" cy="54" r="2"/><circle cx="58" cy="54" r="2"/>
<circle cx="66" cy="54" r="2"/><circle cx="74" cy="54" r="2"/><circle cx="26" cy="62" r="2"/>
<circle cx="34" cy="62" r="2"/><circle cx="42" cy="62" r="2"/><circle cx="50" cy="62" r="2"/>
<circle cx="58" cy="62" r="2"/><circle cx="66" cy="62" r="2"/><circle cx="74" cy="62" r="2"/></g>
<rect x="42" y="26" width="16" height="6" rx="2" fill="$a"/>""",
    "smart_speaker": f"""
<rect x="29" y="18" width="42" height="72" rx="14" fill="$c" {_S}/>
<ellipse cx="50" cy="22" rx="17" ry="5" fill="$d"/>
<ellipse cx="50" cy="22" rx="11" ry="3" fill="none" stroke="$a" stroke-width="2"/>
<path d="M33 40 H67 M33 48 H67 M33 56 H67 M33 64 H67 M33 72 H67" stroke="$d"
 stroke-width="1" opacity=".6"/>""",
    "bulb": """
<path d="M50 8 Q77 8 77 37 Q77 51 65 61 V70 H35 V61 Q23 51 23 37 Q23 8 50 8 Z"
 fill="#ffe9a3" stroke="#c9a43a" stroke-width="2"/>
<path d="M42 48 Q46 38 50 48 Q54 38 58 48" fill="none" stroke="$a" stroke-width="2"/>
<path d="M50 48 V62" stroke="$a" stroke-width="1.5"/>
<rect x="35" y="70" width="30" height="16" rx="2" fill="#aeb3ba"/>
<path d="M35 75 H65 M35 80 H65" stroke="#7d838b" stroke-width="1.5"/>
<rect x="43" y="86" width="14" height="5" rx="2" fill="#5d636b"/>""",
    "plug": f"""
<rect x="24" y="20" width="52" height="60" rx="12" fill="$c" {_S}/>
<circle cx="50" cy="50" r="15" fill="$l" stroke="$d" stroke-width="1.5"/>
<circle cx="44" cy="50" r="2.5" fill="$k"/><circle cx="56" cy="50" r="2.5" fill="$k"/>
<circle cx="50" cy="30" r="2.5" fill="$a"/>""",
    "sensor": f"""
<circle cx="50" cy="52" r="30" fill="$c" {_S}/>
<circle cx="50" cy="52" r="18" fill="$l" stroke="$d" stroke-width="1.5"/>
<circle cx="50" cy="52" r="4" fill="$a"/>""",
    "security_camera": f"""
<path d="M44 62 L40 84 M56 62 L60 84" stroke="$d" stroke-width="5"/>
<rect x="26" y="82" width="48" height="8" rx="3" fill="$d"/>
<rect x="22" y="24" width="56" height="40" rx="18" fill="$c" {_S}/>
<circle cx="50" cy="44" r="12" fill="$k"/><circle cx="50" cy="44" r="7" fill="{_GLASS}"/>
<circle cx="47" cy="41" r="2" fill="#ffffff" opacity=".6"/>
<circle cx="68" cy="34" r="2" fill="$a"/>""",
    "doorbell": f"""
<rect x="34" y="10" width="32" height="80" rx="14" fill="$c" {_S}/>
<circle cx="50" cy="30" r="8" fill="$k"/><circle cx="50" cy="30" r="4" fill="{_GLASS}"/>
<circle cx="50" cy="66" r="10" fill="$l" stroke="$a" stroke-width="3"/>""",
    "tv": f"""
<rect x="4" y="14" width="92" height="58" rx="3" fill="$k" stroke="$k" stroke-width="2"/>
<rect x="7" y="17" width="86" height="52" fill="{_GLASS}"/>
<path d="M7 17 H93 L7 60 Z" fill="#ffffff" opacity=".08"/>
<path d="M18 72 L12 84 M82 72 L88 84" stroke="$k" stroke-width="4" stroke-linecap="round"/>
<rect x="44" y="66" width="12" height="2" rx="1" fill="$a"/>""",
    "streaming": f"""
<rect x="12" y="46" width="50" height="30" rx="7" fill="$k" stroke="$d" stroke-width="2"/>
<circle cx="37" cy="61" r="3" fill="$a"/>
<rect x="68" y="22" width="18" height="62" rx="8" fill="$c" {_S}/>
<circle cx="77" cy="36" r="5" fill="$d"/><circle cx="77" cy="52" r="2.5" fill="$d"/>
<circle cx="77" cy="62" r="2.5" fill="$d"/>""",
    "gamepad": f"""
<path d="M24 34 H76 Q92 34 95 60 Q97 82 84 82 Q75 82 69 68 H31 Q25 82 16 82 Q3 82 5 60
 Q8 34 24 34 Z" fill="$c" {_S}/>
<path d="M24 46 V62 M16 54 H32" stroke="$k" stroke-width="5" stroke-linecap="round"/>
<circle cx="72" cy="48" r="3.5" fill="$a"/><circle cx="80" cy="56" r="3.5" fill="$a"/>
<circle cx="64" cy="56" r="3.5" fill="$a"/><circle cx="72" cy="64" r="3.5" fill="$a"/>""",
    "smartwatch": f"""
<rect x="38" y="4" width="24" height="92" rx="6" fill="$d"/>
<rect x="28" y="26" width="44" height="48" rx="12" fill="$k" stroke="$c" stroke-width="3"/>
<rect x="33" y="31" width="34" height="38" rx="8" fill="{_SCREEN}"/>
<path d="M40 50 H60" stroke="$a" stroke-width="3" stroke-linecap="round"/>
<path d="M44 58 H56" stroke="#ffffff" stroke-width="2" opacity=".6" stroke-linecap="round"/>
<rect x="72" y="44" width="4" height="12" rx="2" fill="$c"/>""",
    "tracker": f"""
<path d="M40 6 H60 V94 H40 Z" fill="$c" {_S}/>
<rect x="36" y="32" width="28" height="38" rx="10" fill="$k"/>
<rect x="40" y="37" width="20" height="28" rx="6" fill="{_SCREEN}"/>
<path d="M44 51 L48 51 L50 46 L53 56 L55 51 H57" fill="none" stroke="$a" stroke-width="2"/>""",
    "service": """
<path d="M50 8 L83 20 V47 Q83 76 50 92 Q17 76 17 47 V20 Z" fill="$c" stroke="$d"
 stroke-width="2.5" stroke-linejoin="round"/>
<path d="M35 50 L46 61 L67 38" fill="none" stroke="$w" stroke-width="7"
 stroke-linecap="round" stroke-linejoin="round"/>""",
    # --- groceries ------------------------------------------------------------------------
    "loaf": f"""
<path d="M10 52 Q10 24 50 24 Q90 24 90 52 V80 Q90 88 82 88 H18 Q10 88 10 80 Z" fill="$c"
 {_S}/>
<path d="M10 52 Q10 24 50 24 Q90 24 90 52 Q50 62 10 52 Z" fill="$d"/>
<path d="M28 36 L36 46 M46 32 L54 44 M64 34 L72 45" stroke="$l" stroke-width="3"
 stroke-linecap="round"/>""",
    "croissant": f"""
<path d="M8 66 Q14 40 36 30 Q50 24 64 30 Q86 40 92 66 Q80 58 70 62 Q60 50 50 50 Q40 50 30
 62 Q20 58 8 66 Z" fill="$c" {_S}/>
<path d="M36 30 Q38 46 30 62 M64 30 Q62 46 70 62 M50 26 V50" stroke="$d"
 stroke-width="2" fill="none"/>""",
    "bun": f"""
<path d="M12 72 Q12 34 50 34 Q88 34 88 72 Z" fill="$c" {_S}/>
<path d="M50 66 Q34 64 36 52 Q40 42 52 46 Q60 50 56 56 Q52 60 48 56" fill="none"
 stroke="$d" stroke-width="3" stroke-linecap="round"/>
<rect x="8" y="72" width="84" height="8" rx="3" fill="$d"/>""",
    "coffee": f"""
<path d="M26 20 H74 L80 90 H20 Z" fill="$a" {_S}/>
<path d="M26 20 H74 L76 30 H24 Z" fill="$d"/>
<circle cx="50" cy="60" r="16" fill="$w"/>
<ellipse cx="50" cy="60" rx="7" ry="10" fill="$c" transform="rotate(25 50 60)"/>
<path d="M47 52 Q52 60 47 68" fill="none" stroke="$w" stroke-width="1.5"
 transform="rotate(25 50 60)"/>""",
    "tea": f"""
<path d="M20 40 H72 V62 Q72 86 46 86 Q20 86 20 62 Z" fill="$w" {_S}/>
<path d="M72 48 Q86 48 86 60 Q86 72 70 72" fill="none" stroke="$d" stroke-width="4"/>
<rect x="22" y="44" width="48" height="8" fill="$c" opacity=".75"/>
<path d="M56 40 Q58 24 66 18" fill="none" stroke="$k" stroke-width="1"/>
<rect x="62" y="10" width="12" height="12" rx="1" fill="$a"/>
<path d="M34 34 Q30 28 34 22 M44 34 Q40 28 44 22" fill="none" stroke="$d"
 stroke-width="2" opacity=".5"/>""",
    "carton": f"""
<path d="M28 28 L36 12 H64 L72 28 V92 H28 Z" fill="$w" {_S}/>
<path d="M28 28 L36 12 H64 L72 28 Z" fill="$a"/>
<rect x="28" y="44" width="44" height="30" fill="$a"/>
<circle cx="50" cy="59" r="11" fill="$c" stroke="$w" stroke-width="2"/>""",
    "drink_bottle": f"""
<path d="M42 8 H58 V20 Q70 28 70 42 V88 Q70 92 66 92 H34 Q30 92 30 88 V42 Q30 28 42 20 Z"
 fill="$c" {_S}/>
<rect x="41" y="4" width="18" height="7" rx="2" fill="$a"/>
<rect x="30" y="50" width="40" height="20" fill="$a"/>
<path d="M36 30 Q34 44 36 84" stroke="#ffffff" stroke-width="3" opacity=".35" fill="none"/>""",
    "cereal": f"""
<path d="M22 10 H78 V90 H22 Z" fill="$a" {_S}/>
<path d="M22 10 H78 V20 H22 Z" fill="$d" opacity=".45"/>
<path d="M30 58 H70 Q70 80 50 80 Q30 80 30 58 Z" fill="$w"/>
<g fill="$c"><circle cx="38" cy="55" r="5"/><circle cx="48" cy="52" r="5"/><circle cx="58"
 cy="55" r="5"/>
<circle cx="64" cy="51" r="4"/><circle cx="43" cy="48" r="4"/></g>
<rect x="30" y="26" width="40" height="10" rx="2" fill="$w" opacity=".85"/>""",
    "eggs": """
<ellipse cx="30" cy="48" rx="14" ry="18" fill="#f1e3c8" stroke="#c9b08a" stroke-width="2"/>
<ellipse cx="50" cy="44" rx="14" ry="18" fill="#f6ecd9" stroke="#c9b08a" stroke-width="2"/>
<ellipse cx="70" cy="48" rx="14" ry="18" fill="#ecd9b8" stroke="#c9b08a" stroke-width="2"/>
<path d="M8 58 H92 L84 86 H16 Z" fill="$a" stroke="$d" stroke-width="2"
 stroke-linejoin="round"/>""",
    "cheese": f"""
<path d="M10 80 L90 80 L90 36 Z" fill="$c" {_S}/>
<path d="M90 36 L90 80 L96 74 L96 30 Z" fill="$d"/>
<g fill="$d" opacity=".45"><circle cx="70" cy="64" r="5"/><circle cx="52" cy="72" r="3.5"/>
<circle cx="80" cy="52" r="3"/><circle cx="38" cy="75" r="2.5"/></g>""",
    "yogurt": f"""
<path d="M24 28 H76 L69 90 H31 Z" fill="$w" {_S}/>
<ellipse cx="50" cy="28" rx="27" ry="6" fill="$a" stroke="$d" stroke-width="1.5"/>
<path d="M26.5 48 H73.5 L71.5 68 H28.5 Z" fill="$c"/>""",
    "tin": """
<rect x="10" y="34" width="80" height="42" rx="14" fill="#c3c7cc" stroke="#8a9098"
 stroke-width="2"/>
<rect x="10" y="44" width="80" height="22" fill="$a"/>
<path d="M30 55 Q42 45 58 55 Q42 65 30 55 Z M58 55 L68 48 V62 Z" fill="$w"/>
<circle cx="36" cy="54" r="1.5" fill="$k"/>""",
    "cold_cuts": """
<circle cx="38" cy="50" r="24" fill="#e9a0a0" stroke="#c56f72" stroke-width="2"/>
<circle cx="62" cy="58" r="24" fill="#f0b1ae" stroke="#c56f72" stroke-width="2"/>
<path d="M50 48 Q58 54 66 50 M54 64 Q62 70 72 64" stroke="#fde4e1" stroke-width="3"
 fill="none" stroke-linecap="round"/>""",
    "sausage": """
<path d="M14 70 Q10 40 40 30 L80 18 Q90 16 90 26 Q90 34 82 36 L44 48 Q28 54 30 72 Q30 82
 22 82 Q16 82 14 70 Z" fill="#a6473d" stroke="#6e2c25" stroke-width="2"/>
<path d="M40 36 L76 24" stroke="#d77a6f" stroke-width="3" stroke-linecap="round"/>""",
    "oil_bottle": f"""
<path d="M44 6 H56 V24 Q68 32 68 46 V90 H32 V46 Q32 32 44 24 Z" fill="$c" {_S}
 opacity=".9"/>
<rect x="42" y="4" width="16" height="8" rx="2" fill="$a"/>
<rect x="32" y="54" width="36" height="22" fill="$a"/>
<path d="M38 30 Q36 50 38 86" stroke="#ffffff" stroke-width="3" opacity=".3" fill="none"/>""",
    "sack": f"""
<path d="M26 22 Q22 14 30 12 H70 Q78 14 74 22 L80 88 H20 Z" fill="$w" {_S}/>
<path d="M26 22 H74" stroke="$d" stroke-width="2"/>
<rect x="30" y="44" width="40" height="28" rx="3" fill="$a"/>
<path d="M50 48 V68 M50 54 L44 50 M50 54 L56 50 M50 60 L44 56 M50 60 L56 56" stroke="$w"
 stroke-width="2" stroke-linecap="round"/>""",
    "jar": f"""
<rect x="24" y="30" width="52" height="60" rx="12" fill="$c" {_S}/>
<rect x="27" y="16" width="46" height="15" rx="3" fill="$a" stroke="$d" stroke-width="1.5"/>
<rect x="24" y="46" width="52" height="26" fill="$w"/>
<circle cx="50" cy="59" r="7" fill="$c"/>""",
    "penne": f"""
<g transform="rotate(-28 50 50)"><path d="M22 38 L60 32 L64 48 L26 54 Z" fill="$c" {_S}/>
<path d="M31 37 L35 53 M40 35 L44 51 M49 34 L53 50" stroke="$d" stroke-width="1.2"/></g>
<g transform="rotate(18 50 50)"><path d="M38 58 L76 52 L80 68 L42 74 Z" fill="$c" {_S}/>
<path d="M47 57 L51 73 M56 55 L60 71 M65 54 L69 70" stroke="$d" stroke-width="1.2"/></g>
<g transform="rotate(-8 50 50)"><path d="M14 68 L46 64 L49 78 L17 82 Z" fill="$l" {_S}/></g>""",
    "spaghetti": f"""
<path d="M30 10 L46 90 M36 10 L48 90 M42 10 L50 90 M48 10 L52 90 M54 10 L54 90 M60 10
 L56 90 M66 10 L58 90 M72 10 L60 90" stroke="$c" stroke-width="3.5" stroke-linecap="round"/>
<rect x="36" y="44" width="34" height="14" rx="3" fill="$a" {_S}/>""",
    "bowl": """
<g fill="$c" stroke="$d" stroke-width="1"><ellipse cx="36" cy="44" rx="5" ry="3"/>
<ellipse cx="46" cy="40" rx="5" ry="3"/><ellipse cx="56" cy="42" rx="5" ry="3"/>
<ellipse cx="64" cy="46" rx="5" ry="3"/><ellipse cx="42" cy="48" rx="5" ry="3"/>
<ellipse cx="52" cy="48" rx="5" ry="3"/><ellipse cx="30" cy="50" rx="5" ry="3"/>
<ellipse cx="70" cy="52" rx="5" ry="3"/></g>
<path d="M10 52 H90 Q90 88 50 88 Q10 88 10 52 Z" fill="$a" stroke="$d" stroke-width="2"
 stroke-linejoin="round"/>
<path d="M20 62 Q50 70 80 62" stroke="$w" stroke-width="2" fill="none" opacity=".6"/>""",
    "block": f"""
<path d="M16 40 L34 26 H84 L66 40 Z" fill="$l" {_S}/>
<path d="M66 40 L84 26 V70 L66 84 Z" fill="$d" {_S}/>
<rect x="16" y="40" width="50" height="44" fill="$c" {_S}/>""",
    "patty": """
<ellipse cx="50" cy="62" rx="40" ry="16" fill="#5e3a26"/>
<ellipse cx="50" cy="54" rx="40" ry="16" fill="#8a5636" stroke="#5e3a26" stroke-width="2"/>
<path d="M26 50 L40 58 M42 46 L58 56 M60 46 L74 54" stroke="#4a2c1c" stroke-width="3"
 stroke-linecap="round"/>""",
    "bar": f"""
<path d="M6 40 L14 35 L18 40 H82 L86 35 L94 40 L90 50 L94 60 L86 65 L82 60 H18 L14 65
 L6 60 L10 50 Z" fill="$a" {_S}/>
<rect x="30" y="40" width="40" height="20" fill="$c"/>
<path d="M34 50 H66" stroke="$w" stroke-width="2" opacity=".7"/>""",
    "chips_bag": f"""
<path d="M22 12 H78 L74 22 Q85 50 74 80 L78 90 H22 L26 80 Q15 50 26 22 Z" fill="$a"
 {_S}/>
<path d="M24 18 H76 M24 84 H76" stroke="$d" stroke-width="2"/>
<ellipse cx="50" cy="54" rx="16" ry="12" fill="$c" stroke="$d" stroke-width="1.5"/>
<path d="M40 52 Q50 46 60 54" stroke="$d" stroke-width="1.2" fill="none" opacity=".6"/>""",
    "nuts": """
<g stroke="$d" stroke-width="2"><ellipse cx="34" cy="60" rx="13" ry="19" fill="$c"
 transform="rotate(-30 34 60)"/>
<ellipse cx="62" cy="62" rx="13" ry="19" fill="$c" transform="rotate(25 62 62)"/>
<ellipse cx="48" cy="38" rx="13" ry="19" fill="$l" transform="rotate(80 48 38)"/></g>
<path d="M30 52 Q34 60 32 70 M60 54 Q58 62 62 72" stroke="$d" stroke-width="1.5"
 fill="none" opacity=".6"/>""",
    "berries": """
<g stroke="$d" stroke-width="1.5"><circle cx="32" cy="58" r="12" fill="$c"/>
<circle cx="54" cy="62" r="12" fill="$c"/><circle cx="44" cy="40" r="12" fill="$c"/>
<circle cx="68" cy="44" r="12" fill="$c"/><circle cx="72" cy="68" r="11" fill="$c"/></g>
<g fill="#ffffff" opacity=".45"><circle cx="28" cy="54" r="3"/><circle cx="50" cy="58" r="3"/>
<circle cx="40" cy="36" r="3"/><circle cx="64" cy="40" r="3"/><circle cx="68" cy="64" r="3"/>
</g>""",
    "cookie": """
<circle cx="56" cy="58" r="30" fill="#c98d4b" stroke="#8a5a2b" stroke-width="2"/>
<circle cx="42" cy="44" r="30" fill="#dba866" stroke="#8a5a2b" stroke-width="2"/>
<g fill="$c"><circle cx="32" cy="36" r="3.5"/><circle cx="50" cy="32" r="3"/>
<circle cx="46" cy="50" r="3.5"/><circle cx="30" cy="56" r="3"/><circle cx="58" cy="46" r="3"/>
</g>""",
    "chocolate": f"""
<rect x="12" y="20" width="76" height="60" rx="4" fill="$c" {_S}/>
<path d="M12 40 H88 M12 60 H88 M31 20 V80 M50 20 V80 M69 20 V80" stroke="$d"
 stroke-width="2"/>
<path d="M12 50 H88 V80 H12 Z" fill="$a" opacity=".95"/>
<rect x="12" y="60" width="76" height="8" fill="$w" opacity=".85"/>
<path d="M88 20 V44 L70 20 Z" fill="#d5d9de"/>""",
    # --- cosmetics ------------------------------------------------------------------------
    "pump_bottle": f"""
<rect x="30" y="36" width="40" height="56" rx="9" fill="$c" {_S}/>
<rect x="44" y="24" width="12" height="13" fill="$d"/>
<path d="M38 18 H66 V24 H38 Z M66 18 H76 V22 H66 Z" fill="$k"/>
<rect x="30" y="54" width="40" height="20" fill="$w"/>
<rect x="38" y="61" width="24" height="4" rx="2" fill="$a"/>""",
    "soap": f"""
<rect x="14" y="40" width="72" height="40" rx="14" fill="$c" {_S}/>
<rect x="24" y="50" width="52" height="14" rx="7" fill="$l"/>
<g fill="none" stroke="$d" stroke-width="1.5" opacity=".6"><circle cx="30" cy="28" r="6"/>
<circle cx="44" cy="20" r="4"/><circle cx="58" cy="28" r="5"/></g>""",
    "perfume": f"""
<rect x="40" y="12" width="20" height="14" rx="2" fill="$k"/>
<rect x="45" y="26" width="10" height="8" fill="#c9a43a"/>
<rect x="20" y="34" width="60" height="56" rx="12" fill="$c" {_S} opacity=".92"/>
<rect x="30" y="52" width="40" height="18" rx="2" fill="$w" opacity=".9"/>
<path d="M26 42 Q24 62 28 84" stroke="#ffffff" stroke-width="3" opacity=".45" fill="none"/>""",
    "bottle": f"""
<path d="M30 30 Q30 22 38 22 H62 Q70 22 70 30 V88 Q70 92 66 92 H34 Q30 92 30 88 Z"
 fill="$c" {_S}/>
<rect x="38" y="10" width="24" height="13" rx="3" fill="$d"/>
<rect x="30" y="46" width="40" height="26" fill="$w"/>
<rect x="36" y="54" width="28" height="4" rx="2" fill="$a"/>
<rect x="40" y="62" width="20" height="3" rx="1.5" fill="$d" opacity=".6"/>""",
    "cream_jar": f"""
<rect x="16" y="46" width="68" height="40" rx="9" fill="$w" {_S}/>
<rect x="13" y="30" width="74" height="18" rx="5" fill="$c" {_S}/>
<rect x="16" y="58" width="68" height="14" fill="$a"/>
<path d="M20 36 H80" stroke="$l" stroke-width="2" opacity=".7"/>""",
    "palette": """
<rect x="10" y="24" width="80" height="54" rx="7" fill="$k" stroke="$k" stroke-width="2"/>
<rect x="14" y="28" width="72" height="46" rx="4" fill="#2f3136"/>
<circle cx="28" cy="40" r="7" fill="$l"/><circle cx="50" cy="40" r="7" fill="$c"/>
<circle cx="72" cy="40" r="7" fill="$d"/><circle cx="28" cy="62" r="7" fill="$c"/>
<circle cx="50" cy="62" r="7" fill="$d"/><circle cx="72" cy="62" r="7" fill="$l"/>""",
    "mascara": """
<g transform="rotate(35 50 50)"><rect x="42" y="6" width="16" height="44" rx="3"
 fill="$k" stroke="$k" stroke-width="2"/>
<rect x="42" y="50" width="16" height="40" rx="4" fill="$c" stroke="$d" stroke-width="2"/>
<rect x="42" y="48" width="16" height="4" fill="#c9a43a"/></g>""",
    "foundation": f"""
<rect x="30" y="36" width="40" height="54" rx="6" fill="$c" {_S}/>
<rect x="40" y="14" width="20" height="22" rx="3" fill="$k"/>
<rect x="36" y="56" width="28" height="14" rx="2" fill="$w" opacity=".9"/>
<path d="M35 42 V84" stroke="#ffffff" stroke-width="3" opacity=".35"/>""",
    "lipstick": """
<rect x="34" y="56" width="32" height="36" rx="3" fill="#c9a43a" stroke="#8d7424"
 stroke-width="2"/>
<rect x="38" y="36" width="24" height="22" fill="#e2c867" stroke="#8d7424" stroke-width="2"/>
<path d="M40 36 V20 L60 10 V36 Z" fill="$c" stroke="$d" stroke-width="2"
 stroke-linejoin="round"/>""",
    "tube": f"""
<path d="M28 10 H72 L64 74 H36 Z" fill="$w" {_S}/>
<path d="M28 10 H72 V16 H28 Z" fill="$d"/>
<rect x="38" y="74" width="24" height="16" rx="3" fill="$c" {_S}/>
<rect x="34" y="32" width="32" height="22" rx="2" fill="$a"/>""",
    "sunscreen": f"""
<path d="M28 10 H72 L64 74 H36 Z" fill="$w" {_S}/>
<path d="M28 10 H72 V16 H28 Z" fill="$d"/>
<rect x="38" y="74" width="24" height="16" rx="3" fill="$c" {_S}/>
<circle cx="50" cy="42" r="9" fill="#f4b63a"/>
<path d="M50 26 V30 M50 54 V58 M34 42 H38 M62 42 H66 M39 31 L42 34 M58 50 L61 53 M61 31
 L58 34 M42 50 L39 53" stroke="#f4b63a" stroke-width="2.5" stroke-linecap="round"/>""",
    "dropper": f"""
<rect x="32" y="46" width="36" height="46" rx="8" fill="$c" {_S} opacity=".9"/>
<rect x="40" y="34" width="20" height="13" fill="$k"/>
<path d="M43 34 V20 Q43 10 50 10 Q57 10 57 20 V34 Z" fill="$k"/>
<rect x="36" y="60" width="28" height="16" rx="2" fill="$w" opacity=".9"/>
<path d="M37 52 V86" stroke="#ffffff" stroke-width="3" opacity=".35"/>""",
    # --- anything else --------------------------------------------------------------------
    "shopping_bag": f"""
<path d="M36 32 Q36 12 50 12 Q64 12 64 32" fill="none" stroke="$d" stroke-width="4"/>
<path d="M22 30 H78 L82 90 H18 Z" fill="$c" {_S}/>
<rect x="38" y="52" width="24" height="14" rx="3" fill="$a"/>""",
}

PICTOGRAMS: dict[str, Template] = {name: Template(markup.strip())
                                   for name, markup in _SHAPES.items()}

# The colour of what the pictogram shows when the product states none (a loaf is crusty
# brown, a phone graphite): products without a colour facet still look like themselves.
NATURAL_COLOURS: dict[str, str] = {
    "loaf": "#c98b4a", "croissant": "#d99a45", "bun": "#c98b4a", "coffee": "#6b4430",
    "tea": "#b5562f", "carton": "#f39a2b", "drink_bottle": "#cfe6f5", "cereal": "#d9a456",
    "cheese": "#f1c84b", "yogurt": "#f3e3b0", "oil_bottle": "#d8b23a", "jar": "#c8323c",
    "penne": "#e8c15a", "spaghetti": "#e8c15a", "bowl": "#efe6cf", "block": "#efe7d2",
    "bar": "#c98b4a", "chips_bag": "#f0c25a", "nuts": "#b07a45", "berries": "#b0213a",
    "cookie": "#4a2a1c", "chocolate": "#5a3424", "sack": "#e9dfc6",
    "pump_bottle": "#f0d9c8", "soap": "#e7c9d6", "perfume": "#e9b9c7", "bottle": "#8fc1a9",
    "cream_jar": "#e8d3c0", "palette": "#b98468", "mascara": "#2b2b2e",
    "foundation": "#d9a98c", "lipstick": "#c8323c", "tube": "#9cc7d8", "sunscreen": "#f2c14e",
    "dropper": "#e3b877", "service": "#2f6fcf", "bulb": "#ffe9a3",
}

# Which pictogram a product gets, by department: words of the title (whole words, any
# case). A title names its product last ("Butter Biscuits", "Shirt Dress") and qualifies it
# after "with", "in", "for" ("Tuna in Olive Oil", "Cream with Shea Butter"), so the match
# that ends last before such a word wins, the longer one on a tie ("Lip Balm" over "Balm").
_FASHION: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("hoodie", ("hoodie",)),
    ("tank", ("tank top", "sports bra", "bra", "vest top")),
    ("backpack", ("backpack", "rucksack")),
    ("handbag", ("bag", "tote", "crossbody", "weekender", "sling", "clutch", "purse")),
    ("beanie", ("beanie",)),
    ("bucket_hat", ("bucket hat", "hat", "cap")),
    ("scarf", ("scarf", "snood")),
    ("socks", ("socks",)),
    ("jeans", ("jeans",)),
    ("leggings", ("leggings", "tights")),
    ("trousers", ("trousers", "pants", "chinos", "joggers", "shorts")),
    ("skirt", ("skirt",)),
    ("dress", ("dress",)),
    ("coat", ("coat", "parka")),
    ("jacket", ("jacket", "bomber", "blazer", "gilet")),
    ("sweater", ("sweater", "jumper", "cardigan", "pullover", "long sleeve tee",
                 "long sleeve top")),
    ("shirt", ("shirt", "blouse")),
    ("tshirt", ("t-shirt", "tee", "top", "polo")),
    ("boot", ("boots", "boot")),
    ("sneaker", ("sneakers", "trainers", "running shoes", "shoes")),
    ("shoe", ("loafers", "pumps", "oxford shoes", "derby shoes", "heels", "brogues",
              "sandals")),
)
_ELECTRONICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("phone_case", ("case", "cover")),
    ("service", ("warranty", "set-up", "setup", "installation", "repair")),
    ("headphones", ("headphones", "headset")),
    ("earbuds", ("earbuds", "buds", "earphones")),
    ("smart_speaker", ("nest audio", "era 100", "era 300", "echo dot", "echo show",
                       "nest hub", "smart speaker")),
    ("speaker", ("speaker", "soundbar")),
    ("doorbell", ("doorbell",)),
    ("security_camera", ("cam", "webcam", "security camera", "indoor camera",
                         "outdoor camera")),
    ("action_camera", ("action camera",)),
    ("compact_camera", ("compact camera",)),
    ("camera", ("camera", "camera body")),
    ("lens", ("lens",)),
    ("memory_card", ("memory card", "microsdxc", "sdxc", "sd card")),
    ("tripod", ("tripod", "clip", "gimbal")),
    ("backpack", ("backpack",)),
    ("handbag", ("bag", "sling")),
    ("ereader", ("e-reader", "ereader")),
    ("laptop", ("laptop", "notebook")),
    ("tablet", ("tablet", "trackpad")),
    ("monitor", ("monitor",)),
    ("tv", ("tv",)),
    ("keyboard", ("keyboard",)),
    ("mouse", ("mouse",)),
    ("hub", ("hub", "dock", "adapter")),
    ("charger", ("charger", "power bank", "charging station", "power adapter", "cable")),
    ("gamepad", ("controller", "console", "gamepad")),
    ("smartwatch", ("smartwatch", "watch")),
    ("tracker", ("fitness tracker", "band", "tracker")),
    ("phone", ("smartphone", "phone")),
    ("bulb", ("bulb", "lamp", "light bar", "light strip")),
    ("plug", ("plug", "socket")),
    ("sensor", ("sensor", "door & window")),
    ("streaming", ("streamer", "chromecast", "fire tv", "fire tv cube", "apple tv", "tv stick",
                   "tv box")),
)
_GROCERIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("croissant", ("croissant", "croissants")),
    ("bun", ("buns", "bun", "rolls", "roll", "bagel", "bagels")),
    ("loaf", ("bread", "loaf", "baguette")),
    ("coffee", ("coffee", "espresso")),
    ("tea", ("tea", "rooibos", "infusion", "sencha", "earl grey", "chamomile", "mint",
             "matcha")),
    ("carton", ("juice", "smoothie", "milk", "drink", "kefir")),
    ("drink_bottle", ("cola", "water", "lemonade", "soda", "tonic", "iced tea")),
    ("cereal", ("muesli", "granola", "cereal", "cornflakes", "porridge")),
    ("eggs", ("eggs",)),
    ("yogurt", ("yogurt", "yoghurt", "skyr")),
    ("cheese", ("cheese", "gouda", "camembert", "mozzarella", "cheddar", "feta", "brie",
                "parmesan", "grana padano")),
    ("tin", ("tuna", "herring", "sardines", "mackerel", "salmon", "fish", "fillets")),
    ("sausage", ("kabanos", "sausage", "sausages", "salami")),
    ("cold_cuts", ("ham", "turkey breast", "chicken breast", "cold cuts")),
    ("oil_bottle", ("oil", "vinegar", "soy sauce", "tamari", "syrup")),
    ("sack", ("flour", "sugar", "sweetener", "baking powder")),
    ("jar", ("jam", "butter", "spread", "hummus", "passata", "pesto", "sauce", "honey",
             "peanut butter")),
    ("spaghetti", ("spaghetti", "tagliatelle", "pappardelle", "linguine", "noodles")),
    ("penne", ("penne", "fusilli", "pasta", "macaroni", "farfalle", "rigatoni")),
    ("bowl", ("rice", "oats", "buckwheat", "quinoa", "couscous", "bulgur", "millet",
              "groats", "barley")),
    ("block", ("tofu", "tempeh")),
    ("patty", ("burger", "patties", "nuggets", "strips", "seitan", "mince", "falafel")),
    ("bar", ("bar", "bars")),
    ("chips_bag", ("chips", "crisps", "crackers", "popcorn", "pretzels", "rice cakes",
                   "snack")),
    ("berries", ("cranberries", "raisins", "dates", "apricots", "berries", "figs", "prunes",
                 "dried mango")),
    ("nuts", ("nuts", "almonds", "hazelnuts", "walnuts", "cashews", "pistachios",
              "peanuts")),
    ("cookie", ("cookies", "biscuits", "shortbread", "wafers")),
    ("chocolate", ("chocolate",)),
)
_COSMETICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("soap", ("soap", "soap bar")),
    ("lipstick", ("lipstick", "lip balm", "lip oil", "lip gloss")),
    ("mascara", ("mascara",)),
    ("palette", ("palette", "eyeshadow")),
    ("perfume", ("eau de parfum", "eau de toilette", "perfume", "parfum")),
    ("sunscreen", ("spf", "sunscreen")),
    ("dropper", ("serum", "ampoule")),
    ("foundation", ("foundation", "skin tint", "concealer")),
    ("cream_jar", ("cream", "hair mask", "mask", "balm", "body butter")),
    ("pump_bottle", ("shower gel", "body lotion", "lotion", "body wash", "cleansing oil")),
    ("bottle", ("shampoo", "conditioner", "micellar water", "toner")),
    ("tube", ("cleanser", "gel", "scrub", "fluid")),
)
_BY_DEPARTMENT = {"fashion": _FASHION, "electronics": _ELECTRONICS,
                  "groceries": _GROCERIES, "cosmetics": _COSMETICS}

_LEAF_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("tshirt", ("t-shirts", "tops")), ("shirt", ("shirts",)), ("sweater", ("sweaters",
                                                                             "sweaters & hoodies")),
    ("jeans", ("jeans",)), ("trousers", ("trousers", "bottoms")), ("leggings", ("leggings",)),
    ("tank", ("training tops",)), ("dress", ("dresses", "dresses & skirts")),
    ("skirt", ("skirts",)), ("coat", ("coats", "outerwear")), ("jacket", ("jackets",)),
    ("boot", ("boots",)), ("shoe", ("formal",)), ("sneaker", ("running", "sneakers", "shoes")),
    ("handbag", ("bags",)), ("beanie", ("scarves & hats",)), ("socks", ("socks",)),
    ("phone", ("smartphones", "phones")), ("phone_case", ("cases",)),
    ("charger", ("chargers & power banks", "phone accessories")), ("tablet", ("tablets",)),
    ("laptop", ("laptops", "computers")), ("monitor", ("monitors",)),
    ("ereader", ("e-readers",)), ("camera", ("mirrorless", "cameras")),
    ("compact_camera", ("compact",)), ("action_camera", ("action",)), ("lens", ("lenses",)),
    ("memory_card", ("memory cards",)), ("tripod", ("tripods & bags", "camera accessories")),
    ("earbuds", ("earbuds",)), ("headphones", ("headphones", "audio")),
    ("speaker", ("speakers",)), ("smart_speaker", ("smart speakers",)),
    ("bulb", ("lighting",)), ("plug", ("plugs & sensors", "smart home")),
    ("security_camera", ("security",)), ("tv", ("tvs", "tv & video")),
    ("streaming", ("streaming devices",)), ("gamepad", ("consoles", "gaming",
                                                        "controllers & accessories")),
    ("smartwatch", ("smartwatches", "wearables")), ("tracker", ("fitness trackers",)),
    ("service", ("services", "add-ons")),
    ("loaf", ("bread", "bakery")), ("coffee", ("coffee & tea", "beverages")),
    ("carton", ("juices & soft drinks", "milk & plant drinks")),
    ("cereal", ("cereals & muesli", "breakfast")), ("eggs", ("eggs",)),
    ("yogurt", ("yogurt & cheese", "dairy & eggs")), ("cold_cuts", ("cold cuts & fish",
                                                                  "meat & fish")),
    ("sack", ("oils & baking",)), ("jar", ("spreads & sauces", "pantry")),
    ("penne", ("pasta", "pasta & grains")), ("bowl", ("rice & grains",)),
    ("block", ("tofu & alternatives", "plant-based")), ("bar", ("bars",)),
    ("chips_bag", ("chips & crackers", "snacks")), ("nuts", ("nuts & dried fruit",)),
    ("cookie", ("biscuits",)), ("chocolate", ("chocolate", "sweets")),
    ("pump_bottle", ("bath & shower", "body care", "body")),
    ("perfume", ("perfume", "fragrance")), ("bottle", ("shampoo & conditioner", "hair")),
    ("cream_jar", ("treatments", "moisturizers", "skincare")), ("palette", ("eyes",)),
    ("foundation", ("foundation", "makeup")), ("lipstick", ("lips",)),
    ("tube", ("cleansers",)), ("sunscreen", ("sunscreen",)), ("dropper", ("serums",)),
)

_DEPARTMENTS = {"fashion": "tshirt", "electronics": "phone", "groceries": "jar",
                "cosmetics": "bottle"}

Rules = tuple[tuple[str, "re.Pattern[str]"], ...]


def _compile(rules: tuple[tuple[str, tuple[str, ...]], ...]) -> Rules:
    compiled = []
    for name, phrases in rules:
        alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
        compiled.append((name, re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])",
                                          re.IGNORECASE)))
    return tuple(compiled)


_RULES: dict[str, Rules] = {name: _compile(rules) for name, rules in _BY_DEPARTMENT.items()}
# A category outside the demo's four departments (an imported feed) tries them all.
_ANY = _compile(_FASHION + _ELECTRONICS + _COSMETICS + _GROCERIES)
_LEAF_RULES = {word: name for name, words in _LEAF_WORDS for word in words}
# Where the product's name ends and its qualifiers begin.
_QUALIFIER = re.compile(r"\s(?:–|—|-|\(|\+|with|in|for|by)\s|\s\(", re.IGNORECASE)


def _named(title: str, rules: Rules, *, leaf: str | None) -> str | None:
    """The pictogram of the title's last named product noun, if any rule names it; one that
    agrees with the leaf category wins ("Granola Bar Honey Oat" under Bars is a bar)."""
    best: tuple[int, int, str] | None = None
    for name, pattern in rules:
        for found in pattern.finditer(title):
            if name == leaf:
                return name
            key = (found.end(), found.end() - found.start(), name)
            if best is None or key[:2] > best[:2]:
                best = key
    return best[2] if best else None


def pictogram_for(*, category: str, title: str) -> str:
    """The pictogram's name for a product: its title's product noun first (within its
    department), then the deepest category level the rules know, then the department; a
    shopping bag when nothing fits.

    >>> pictogram_for(category="Groceries > Sweets > Chocolate", title="Lindt Dark 90 g")
    'chocolate'
    >>> pictogram_for(category="Groceries > Sweets > Biscuits", title="Butter Biscuits 200 g")
    'cookie'
    >>> pictogram_for(category="Groceries > Fish", title="Tuna in Olive Oil 170 g")
    'tin'
    >>> pictogram_for(category="Electronics > Phones", title="Spigen Case for Pixel 9")
    'phone_case'
    >>> pictogram_for(category="Garden", title="Rake")
    'shopping_bag'
    """
    levels = [part.strip().casefold() for part in category.split(">") if part.strip()]
    rules = _RULES.get(levels[0], _ANY) if levels else _ANY
    leaf = next((_LEAF_RULES[level] for level in reversed(levels) if level in _LEAF_RULES),
                None)
    head = _QUALIFIER.split(title, maxsplit=1)[0]
    named = _named(head, rules, leaf=leaf) or _named(title, rules, leaf=leaf)
    if named is not None:
        return named
    if leaf is not None:
        return leaf
    if levels and levels[0] in _DEPARTMENTS:
        return _DEPARTMENTS[levels[0]]
    return "shopping_bag"
