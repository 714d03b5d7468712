"""On-site prompts: short suggestions a shop shows when a visitor's behaviour calls for one
(leaving with a full cart, a long look at a page, reading far down it, coming back after a
search), defined with the content-slot machinery, shown within caps the customer sees and
changes, each explained, and none without the consent its trigger needs. See
``prefero.prompts.decide``."""
