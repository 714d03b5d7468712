"""What the shopper reads in their language: gettext catalogues, language negotiation and
money and number formats (Babel)."""
